/*
 * wsb-runner.exe's entry point. What it does is in serve.c
 * (wsb__runner_run), which the tests also run in their own process so the
 * OS-call seam can record and fail the runner's calls.
 */
#include "../win32.h"
#include "../runner.h"

#include <shellapi.h>

int WINAPI wWinMain(HINSTANCE inst, HINSTANCE prev, LPWSTR line, int show)
{
	int argc = 0;
	wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
	UINT code;

	(void)inst;
	(void)prev;
	(void)line;
	(void)show;
	if (!argv)
		ExitProcess(WSB__RUNNER_EXIT_USAGE);
	code = wsb__runner_run(argc, argv);
	LocalFree(argv);
	ExitProcess(code);
	return 0;
}

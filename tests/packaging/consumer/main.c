/* A program of a parent project: links wsandbox::wsandbox (or pkg-config's
 * flags) and checks that the header and the library it runs with agree. */
#include <stdio.h>
#include <wsandbox/wsandbox.h>

int main(void)
{
	wsb_policy *policy = NULL;
	int rc;

	if (wsb_version_number() != WSB_VERSION_NUMBER) {
		fprintf(stderr, "consumer: header %d, library %u\n", WSB_VERSION_NUMBER,
			wsb_version_number());
		return 1;
	}
	rc = wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE);
	if (rc != WSB_OK) {
		fprintf(stderr, "consumer: wsb_policy_create: %s\n",
			wsb_error_message(wsb_error_last()));
		return 1;
	}
	wsb_policy_free(policy);
	printf("consumer: libwsandbox %s\n", wsb_version());
	return 0;
}

# cmake -DDOXYGEN=... -DDOXYFILE=... -DLOG=... -P run-doxygen.cmake
# Runs Doxygen and fails on any warning about the API reference (the public
# header), and on anything Doxygen prints on stderr (configuration problems
# are reported there, before the log is opened).
#
# Warnings about the Markdown pages are printed but not fatal: those pages
# are written for reading in the repository, and Doxygen 1.9's Markdown
# differs from it in corners (a backslash ending a code span, "::" read as a
# link request) that Windows paths hit.
file(REMOVE ${LOG})
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE rc ERROR_VARIABLE err)
string(STRIP "${err}" err)
if(NOT rc EQUAL 0 OR err)
  message(FATAL_ERROR "doxygen failed (${rc}):\n${err}")
endif()
set(fatal "")
set(pages "")
if(EXISTS ${LOG})
  file(STRINGS ${LOG} lines)
  foreach(line IN LISTS lines)
    if(line MATCHES "^[^:]*\\.md:")
      string(APPEND pages "${line}\n")
    elseif(NOT line STREQUAL "")
      string(APPEND fatal "${line}\n")
    endif()
  endforeach()
endif()
if(pages)
  message("Doxygen warnings about the Markdown pages (not fatal):\n${pages}")
endif()
if(fatal)
  message("${fatal}")
  message(FATAL_ERROR "Doxygen warned about the API reference; fix the comments (see above).")
endif()
message(STATUS "Doxygen: 0 warnings about the API reference")

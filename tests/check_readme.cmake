# Run as: cmake -DREADME=... -DPROGRAM=... -P check_readme.cmake
# The README shows the hello program verbatim; this keeps the two from drifting apart.
file(READ ${README} readme)
file(READ ${PROGRAM} program)
string(STRIP "${program}" program)
string(FIND "${readme}" "${program}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not contain ${PROGRAM} verbatim; copy the file into it")
endif()

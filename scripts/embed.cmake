# embed.cmake - writes a C file defining `const char NAME[]` with the bytes of
# INPUT (NUL-terminated), so the binary carries its own copy of the schema.
# usage: cmake -DINPUT=file -DOUTPUT=file.c -DNAME=symbol -P embed.cmake
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}" "/* generated from ${INPUT} by scripts/embed.cmake; do not edit */\n"
     "const char ${NAME}[] = {${bytes} 0x00};\n")

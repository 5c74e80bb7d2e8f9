# Generates a C file holding the web application's own scripts (web/static),
# served from the binary by src/web/assets.c:
#   const web_asset web_assets[]; const size_t web_asset_count;
# Each asset gets a version, the first 16 hex digits of its SHA-256, which
# its URL carries (/assets/NAME?v=VERSION) so that it can be cached for a
# year and a new build is fetched at once.
# Invoked as: cmake -DOUT=file.c -DFILES="a.js;b.js" -P embed_assets.cmake
set(body "/* Generated from web/static by cmake/embed_assets.cmake: do not edit. */\n")
string(APPEND body "#include \"web/assets.h\"\n\nconst web_asset web_assets[] = {\n")
set(count 0)
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  file(SHA256 ${f} hash)
  string(SUBSTRING "${hash}" 0 16 version)
  file(READ ${f} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  # Bytes as a brace list: no escaping, any content.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " bytes "${bytes}")
  string(APPEND body "    {\"${name}\", \"${version}\", \"/assets/${name}?v=${version}\", ${len},\n    (const unsigned char[]){\n    ${bytes}0}},\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  string(APPEND body "    {0, 0, 0, 0, 0},\n")
endif()
string(APPEND body "};\nconst size_t web_asset_count = ${count};\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)

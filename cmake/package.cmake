# The Debian package (./scripts/package: a Release build in build-release/, then `cpack -G DEB`): the stripped
# binary, the hardened systemd unit, /etc/parley/parley.env (a conffile, 0640 root:parley), the nginx site
# and the operator's guide. deploy/systemd/ holds the unit, the env template and the maintainer scripts.
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  target_link_options(parley PRIVATE -s)  # stripped: the release binary carries no symbols or debug info
endif()

install(TARGETS parley RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/parley.service DESTINATION lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/parley.env DESTINATION /etc/parley
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/nginx/parley.conf DESTINATION /etc/nginx/sites-available RENAME parley)
install(FILES ${CMAKE_SOURCE_DIR}/docs/operations.md ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/parley)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parley)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "parley maintainers <parley@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted AI chat server (OpenRouter streaming, MCP tools)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the libraries the binary links (libpq, libsqlite3, poppler, …)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx-light, postgresql")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/deploy/systemd/conffiles ${CMAKE_SOURCE_DIR}/deploy/systemd/postinst
  ${CMAKE_SOURCE_DIR}/deploy/systemd/prerm ${CMAKE_SOURCE_DIR}/deploy/systemd/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

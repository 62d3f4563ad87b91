# What `cmake --install` puts on a machine, and the Debian package of scripts/package.sh with it
# (docs/install.md): the binary, a default config (a conffile in the package), the systemd unit, a
# logrotate file, the man pages apigw(8) and apigw.toml(5) (written in scdoc, converted here),
# bash completion, and the docs.
#
# With the prefix /usr (the package's), the config goes to /etc/apigw and the unit to
# /lib/systemd/system, where Debian 12 keeps them; with another prefix, under that prefix.
include(GNUInstallDirs)

find_program(SCDOC_PROGRAM scdoc REQUIRED)
set(APIGW_MAN_DIR ${CMAKE_CURRENT_BINARY_DIR}/man)
set(apigw_man_pages)
foreach(page apigw.8 apigw.toml.5)
  set(source ${PROJECT_SOURCE_DIR}/packaging/man/${page}.scd)
  set(output ${APIGW_MAN_DIR}/${page})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${APIGW_MAN_DIR}
    COMMAND sh -c "\"$0\" < \"$1\" > \"$2\"" ${SCDOC_PROGRAM} ${source} ${output}
    DEPENDS ${source}
    COMMENT "" VERBATIM)
  list(APPEND apigw_man_pages ${output})
endforeach()
add_custom_target(apigw_man ALL DEPENDS ${apigw_man_pages})

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(default_unit_dir /lib/systemd/system)
else()
  set(default_unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(APIGW_SYSTEMD_UNIT_DIR ${default_unit_dir} CACHE PATH "Where the systemd unit is installed")
set(APIGW_BINARY ${CMAKE_INSTALL_FULL_BINDIR}/apigw)
set(APIGW_CONFIG_FILE ${CMAKE_INSTALL_FULL_SYSCONFDIR}/apigw/apigw.toml)
configure_file(${PROJECT_SOURCE_DIR}/packaging/systemd/apigw.service.in
               ${CMAKE_CURRENT_BINARY_DIR}/packaging/apigw.service @ONLY)

install(TARGETS apigw RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES packaging/apigw.toml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/apigw)
install(FILES packaging/logrotate/apigw DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/logrotate.d)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/packaging/apigw.service
        DESTINATION ${APIGW_SYSTEMD_UNIT_DIR})
install(FILES ${APIGW_MAN_DIR}/apigw.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${APIGW_MAN_DIR}/apigw.toml.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES packaging/bash-completion/apigw
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
install(DIRECTORY examples DESTINATION ${CMAKE_INSTALL_DOCDIR})

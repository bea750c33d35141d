# `cmake --install <build> [--prefix P]`: the tool, its manual page, the shell
# completions and the demo (the simulated agent, the example spec and the demo
# script, which finds them beside itself: share/kiro-parallel/).
install(TARGETS kiro-parallel RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The page's .TH line names the version of project(), the only place it is
# written; the copy is made again whenever the page changes.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/man/kiro-parallel.1)
file(READ ${CMAKE_SOURCE_DIR}/man/kiro-parallel.1 kp_man_page)
string(REGEX REPLACE "^(\\.TH [^\n]*)\"kiro-parallel [^\"]*\"" "\\1\"kiro-parallel ${PROJECT_VERSION}\""
       kp_man_page "${kp_man_page}")
set(kp_man_copy ${CMAKE_BINARY_DIR}/generated/kiro-parallel.1)
set(kp_man_old "")
if(EXISTS ${kp_man_copy})
  file(READ ${kp_man_copy} kp_man_old)
endif()
if(NOT kp_man_old STREQUAL kp_man_page)
  file(WRITE ${kp_man_copy} "${kp_man_page}")
endif()
install(FILES ${kp_man_copy} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/completions/kiro-parallel.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME kiro-parallel)
# zsh: share/zsh/site-functions, except under /usr (the Debian package), where
# Debian's zsh looks in share/zsh/vendor-completions (site-functions is on its
# $fpath only under /usr/local). Decided at install time: cpack installs to /usr.
install(CODE "
  set(kp_zsh_dir \${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(kp_zsh_dir /usr/${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
  endif()
  file(INSTALL \"${CMAKE_SOURCE_DIR}/completions/_kiro-parallel\" DESTINATION \"\${kp_zsh_dir}\")
")
install(PROGRAMS ${CMAKE_SOURCE_DIR}/scripts/sim-agent ${CMAKE_SOURCE_DIR}/scripts/demo.sh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/kiro-parallel)
install(FILES ${CMAKE_SOURCE_DIR}/scripts/sim_agent_parts.py DESTINATION ${CMAKE_INSTALL_DATADIR}/kiro-parallel)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/kiro-parallel/examples)

# `cpack -G DEB` in the build folder: a Debian package of what kp_install.cmake
# installs, under /usr. The linked libraries' packages (libfmt9, libc6,
# libstdc++6, ...) come from dpkg-shlibdeps reading the binary itself (dpkg-dev),
# so they cannot drift from what is linked. libgit2 is loaded by its soname at
# first use (common/git_library.hpp), which dpkg-shlibdeps cannot see: its
# package is declared from the soname, Debian's name for it (libgit2-1.5 for
# libgit2.so.1.5). The programs it runs are declared too.
set(CPACK_PACKAGE_NAME kiro-parallel)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "kiro-parallel maintainers <kiro-parallel@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "run a spec's tasks.md in parallel with AI coding agents in tmux and git worktrees")
set(CPACK_PACKAGE_DESCRIPTION
    "kiro-parallel turns a spec-driven-development tasks.md (cc-sdd, Kiro) into a
dependency graph and runs each ready task as an interactive coding agent in its
own git worktree and tmux session, answers safe prompts, commits and merges
each task's work, and records how long tasks take.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # kiro-parallel_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# tmux 3.3 is what the control-mode client is written and tested against.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libgit2-${KP_LIBGIT2_ABI}, tmux (>= 3.3), git")
# python3: the simulated agent of the demo; man-db: `man kiro-parallel`.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, man-db")
set(CPACK_GENERATOR DEB)
# cpack (and `make install`) package what is built instead of building
# everything first: the test that runs cpack must not rebuild binaries that
# other tests are running. Build first, as `cmake --install` needs anyway.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)

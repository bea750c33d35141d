#include "common/git_library.hpp"

#include <dlfcn.h>

#include <fmt/format.h>

#include "common/error.hpp"

#ifndef KP_LIBGIT2_SONAME
#error "KP_LIBGIT2_SONAME: the libgit2 built against, e.g. libgit2.so.1.5 (CMakeLists.txt sets it)"
#endif

namespace kp::git {

namespace {

// The loaded library for the rest of the process: initialised once and shut
// down at exit, as when it was linked. It stays mapped until the process
// ends (no dlclose): a libgit2 object freed by a later destructor still finds
// its code, and libgit2 is not made to be unloaded.
class Loaded {
 public:
  Loaded() : handle_(dlopen(KP_LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL)) {
    if (!handle_) {
      const char* why = dlerror();
      throw RuntimeError(fmt::format("cannot load {}, which git operations need: {}", KP_LIBGIT2_SONAME,
                                     why ? why : "unknown error"));
    }
    try {
#define KP_GIT_LOAD(name) api_.name = reinterpret_cast<decltype(api_.name)>(symbol("git_" #name));
      KP_GIT_FUNCTIONS(KP_GIT_LOAD)
#undef KP_GIT_LOAD
    } catch (...) {
      dlclose(handle_);
      throw;
    }
    api_.libgit2_init();
  }
  ~Loaded() { api_.libgit2_shutdown(); }
  Loaded(const Loaded&) = delete;
  Loaded& operator=(const Loaded&) = delete;

  const Library& api() const { return api_; }

 private:
  void* symbol(const char* name) {
    void* found = dlsym(handle_, name);
    if (!found) throw RuntimeError(fmt::format("{} has no function {}: not the libgit2 this program was built for", KP_LIBGIT2_SONAME, name));
    return found;
  }

  void* handle_;
  Library api_;
};

}  // namespace

const Library& lib() {
  static const Loaded loaded;
  return loaded.api();
}

}  // namespace kp::git

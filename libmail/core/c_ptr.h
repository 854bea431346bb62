// CPtr: a unique_ptr for a C object whose free function costs nothing to carry.
// Aliases for the C libraries' objects live beside the code that uses them.
#pragma once

#include <memory>

namespace tern {

template <auto Free>
struct CFree {
    template <class T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
template <class T, auto Free>
using CPtr = std::unique_ptr<T, CFree<Free>>;

}  // namespace tern

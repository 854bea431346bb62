// Result<T, E>: a value or an error, shaped like C++23 std::expected so that it
// can become an alias later. Used for every fallible call on the data path,
// where exceptions are not allowed (STYLE.md).
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace tern {

// An environment or input error: errno (0 when not a system error) and a
// message that already names what failed ("open /x/y: No such file").
struct Error {
    int code = 0;
    std::string message;

    Error() = default;
    Error(std::string msg) : message(std::move(msg)) {}
    Error(const char* msg) : message(msg) {}
    Error(int c, std::string msg) : code(c), message(std::move(msg)) {}
};

// Builds "WHAT PATH: strerror(errno)" from the current errno.
inline Error sys_error(std::string_view what, std::string_view path = {}) {
    const int saved = errno;
    std::string m(what);
    if (!path.empty()) {
        m += ' ';
        m += path;
    }
    m += ": ";
    m += std::strerror(saved);
    return Error(saved, std::move(m));
}

template <class E>
struct Unexpected {
    E error;
};
template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return {std::forward<E>(e)};
}

template <class T, class E = Error>
class [[nodiscard]] Result {
public:
    Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}
    template <class U = E, class = std::enable_if_t<!std::is_same_v<T, U>>>
    Result(U e) : v_(std::in_place_index<1>, std::move(e)) {}
    template <class G>
    Result(Unexpected<G> u) : v_(std::in_place_index<1>, E(std::move(u.error))) {}

    [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    E& error() & { return std::get<1>(v_); }
    const E& error() const& { return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
public:
    Result() = default;
    Result(E e) : err_(std::move(e)), ok_(false) {}
    template <class G>
    Result(Unexpected<G> u) : err_(std::move(u.error)), ok_(false) {}

    [[nodiscard]] bool has_value() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const E& error() const& { return err_; }
    E& error() & { return err_; }

private:
    E err_{};
    bool ok_ = true;
};

}  // namespace tern

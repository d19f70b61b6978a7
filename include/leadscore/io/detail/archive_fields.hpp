#pragma once
// Archived types are described once, as a list of fields, and that one list is walked in both directions: by a
// visitor that saves, and by one that loads into a blank value which is then checked, or rebuilt through the type's
// public constructor. A description is a specialization of `description<T>` (next to the type's serialize header):
//
//   template <> struct description<decay_rule> {            // a plain value: its fields, then an optional check
//       static constexpr const char* name = "decay_rule";   // names the type in errors
//       static void fields(auto& v, auto& x) { v("kind", x.kind); v("days", x.days); v("percent", x.percent); }
//   };
//   template <> struct description<points_policy> {         // a value behind a constructor: its parts, rebuilt
//       static constexpr const char* name = "points_policy";
//       static auto parts(const points_policy& p) { return part_list(p.rules()); }
//       static void fields(auto& v, auto& rules) { v("rules", rules); }
//       static points_policy make(points_rules rules) { return points_policy(std::move(rules)); }
//   };
//
// A plain description may add `static void check(const T&)` (run after loading) and `static T blank()` (the value
// loaded into, when T{} is not one). A rebuilt one loads its parts into blanks of make's parameter types (default
// values, or copies of the value being replaced when a type has no default) and hands them to make. A refusal
// (definition_error) of check or make becomes an error naming the type, unless the description declares
// `refusals_named = true` (the constructor's own messages already start with the type). Versions come from
// BOOST_CLASS_VERSION: an archive newer than this library is refused, and after a format change a field list reads
// the older layouts by asking `v.version()`.
//
// The kind of a field follows from its C++ type: double — exact in every format; bool — a flag, 0 or 1; an enum —
// refused above its last value (enum_range); std::string — a text; char — a byte; timestamp — whole seconds;
// another integer — as it is (std::size_t as uint64); std::optional — the flag "present", then the value; a vector
// of numbers (or a span, or any contiguous container of numbers) — a chunked array; a vector of texts — a count and
// each text; a vector of another archived type — a count, then each value read one at a time; std::array — each
// element, no count; a std::variant with a variant_form — its kind, then the alternative's fields; any other type —
// a nested archive element (Boost.Serialization, with its own version). The wrappers below cover the rest: an
// optional under a flag of another name, records laid out inline, numbers packed into one array, bounded counts.
// Internal: users include leadscore/io/serialize_*.hpp.

#include "leadscore/core/time.hpp"
#include "leadscore/io/detail/archive_primitives.hpp"

#include <boost/serialization/version.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace leadscore::detail::archive {

/// How a type is archived (see above); specialized for each archived type.
template <class T>
struct description;
template <class T>
concept described = requires { description<T>::name; };

/// The last value of an enum; a loaded value above it is refused. Specialized for each archived enum.
template <class E>
struct enum_range;

/// How a std::variant field is archived: `fields(v, alternative)` visits the held alternative after its kind (its
/// index), and `unknown_kind(kind, record)` is the refusal of a kind past the last (record: the position of the
/// variant in the list being read, when it is in one).
template <class Variant>
struct variant_form;

template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;
template <class T>
inline constexpr bool is_vector = false;
template <class T, class A>
inline constexpr bool is_vector<std::vector<T, A>> = true;
template <class T>
inline constexpr bool is_std_array = false;
template <class T, std::size_t N>
inline constexpr bool is_std_array<std::array<T, N>> = true;
template <class T>
inline constexpr bool is_variant = false;
template <class... A>
inline constexpr bool is_variant<std::variant<A...>> = true;

/// A sequence of texts: a vector or a span of std::string.
template <class T>
concept text_sequence = requires(T& s) {
    { *s.begin() } -> std::convertible_to<const std::string&>;
    s.size();
} && !std::is_same_v<T, std::string>;
/// Contiguous numbers: a vector or span of an arithmetic type, or another container with data() and size().
template <class T>
concept number_sequence = requires(T& s) {
    s.data();
    s.size();
} && std::is_arithmetic_v<std::remove_cvref_t<decltype(*std::declval<T&>().data())>> && !std::is_same_v<T, std::string>;

/// A field kind of its own: any type with `visit(visitor, name)` (the wrappers below).
template <class T, class V>
concept field_kind = requires(T& x, V& v) { x.visit(v, "name"); };

/// Walks a description's fields over a Boost archive: saving when Ar is an output archive, loading otherwise. Each
/// operation below does both directions of one kind of field.
template <class Ar>
class visitor {
    static_assert(polymorphic_archive<Ar>, "leadscore values are archived through Boost's polymorphic archives "
                                           "(boost::archive::polymorphic_oarchive / polymorphic_iarchive)");

public:
    static constexpr bool loading = Ar::is_loading::value;

    /// `version`: the version of the type being saved (this library's) or loaded (the archive's).
    visitor(Ar& ar, const char* type, unsigned version) : ar_(ar), type_(type), version_(version) {}

    /// One field: its kind chosen by its type (see the top of this file).
    template <class X>
    void operator()(const char* name, X&& x) {
        using T = std::remove_cvref_t<X>;
        if constexpr (field_kind<T, visitor>) x.visit(*this, name);
        else if constexpr (std::is_same_v<T, bool>) flag(name, x);
        else if constexpr (std::is_same_v<T, double>) number(name, x);
        else if constexpr (std::is_same_v<T, std::string>) text(name, x);
        else if constexpr (std::is_same_v<T, char>) byte(name, x);
        else if constexpr (std::is_same_v<T, timestamp>) seconds(name, x);
        else if constexpr (std::is_enum_v<T>) enumeration(name, x);
        else if constexpr (std::is_integral_v<T>) integer(name, x);
        else if constexpr (is_optional<T>) optional("present", name, x);
        else if constexpr (is_std_array<T>) each(name, x);
        else if constexpr (is_variant<T>) choice(x);
        else if constexpr (text_sequence<T>) texts(name, x);
        else if constexpr (number_sequence<T>) numbers(name, x);
        else if constexpr (is_vector<T>) objects(name, x);
        else nested(name, x);
    }
    /// A field without a name of its own (records counted under the type's name).
    template <class X>
    void operator()(X&& x) {
        (*this)(nullptr, std::forward<X>(x));
    }

    [[nodiscard]] Ar& archive() noexcept { return ar_; }
    /// What a field list asks to read an older layout (after a type's version is raised).
    [[nodiscard]] unsigned version() const noexcept { return version_; }
    /// "type: name" (or the type alone): how errors name a field.
    [[nodiscard]] std::string label(const char* name) const {
        return name == nullptr ? std::string(type_) : std::string(type_) + ": " + name;
    }
    /// A count (the element "count"), refused on load above max_count; errors name it as label(name) does.
    void count(const char* name, std::uint64_t& n) {
        raw("count", n);
        if constexpr (loading) {
            if (n > max_count) checked(n, label(name).c_str()); // the label is made only for the message
        }
    }
    /// The position of the record being read in the innermost list of records.
    [[nodiscard]] std::size_t record() const noexcept { return record_; }
    void at_record(std::size_t i) noexcept { record_ = i; }

    void flag(const char* name, auto& b) {
        if constexpr (loading) b = load_flag(ar_, name);
        else save_flag(ar_, name, b);
    }
    void number(const char* name, auto& d) {
        if constexpr (loading) d = load_double(ar_, name);
        else save_double(ar_, name, d);
    }
    void text(const char* name, auto& s) {
        if constexpr (loading) load_text(ar_, name, s);
        else save_text(ar_, name, s);
    }
    /// A char as an unsigned number up to 255.
    void byte(const char* name, auto& c) {
        unsigned v = static_cast<unsigned char>(c);
        raw(name, v);
        if constexpr (loading) {
            if (v > 255) fail(label(name) + " " + std::to_string(v) + " is not a byte");
            c = static_cast<char>(static_cast<unsigned char>(v));
        }
    }
    void seconds(const char* name, auto& t) {
        std::int64_t s = to_seconds(t);
        raw(name, s);
        if constexpr (loading) t = from_seconds(s);
    }
    template <class E>
    void enumeration(const char* name, E& e) {
        if constexpr (loading) e = load_enum(ar_, name, enum_range<E>::last);
        else save_enum(ar_, name, e);
    }
    /// An integer as it is; std::size_t as uint64, so a binary archive's layout does not depend on the platform.
    template <class I>
    void integer(const char* name, I& i) {
        using wire = std::conditional_t<std::is_same_v<std::remove_const_t<I>, std::size_t>, std::uint64_t,
                                        std::remove_const_t<I>>;
        wire w = i;
        raw(name, w);
        if constexpr (loading) i = static_cast<I>(w);
    }
    /// A flag (named `flag_name`), then the value when there is one.
    template <class O>
    void optional(const char* flag_name, const char* name, O& o) {
        bool present = o.has_value();
        flag(flag_name, present);
        if constexpr (loading) {
            o.reset();
            if (present) (*this)(name, o.emplace());
        } else if (present) {
            (*this)(name, *o);
        }
    }
    /// Every element of a fixed-size array under the same name, without a count.
    template <class A>
    void each(const char* name, A& a) {
        for (auto& e : a) (*this)(name, e);
    }
    /// A variant: its kind (the alternative's index), then the alternative as its variant_form describes it.
    template <class X>
    void choice(X& x) {
        using form = variant_form<std::remove_const_t<X>>;
        auto kind = static_cast<unsigned>(x.index());
        raw("kind", kind);
        if constexpr (loading) {
            if (kind >= std::variant_size_v<X>) fail(form::unknown_kind(kind, record_));
            emplace_alternative(x, kind, std::make_index_sequence<std::variant_size_v<X>>());
        }
        std::visit([&](auto& alternative) { form::fields(*this, alternative); }, x);
    }
    template <class L>
    void texts(const char* name, L& list) {
        if constexpr (loading) load_strings(ar_, name, list);
        else save_strings(ar_, name, list);
    }
    template <class C>
    void numbers(const char* name, C& c) {
        if constexpr (!loading) {
            save_array(ar_, name, c.data(), static_cast<std::uint64_t>(c.size()));
        } else if constexpr (is_vector<C>) {
            load_array(ar_, name, c);
        } else { // another container with resize (a linear-algebra vector): read as a vector, then copied in
            std::vector<std::remove_cvref_t<decltype(*c.data())>> v;
            load_array(ar_, name, v);
            c.resize(static_cast<decltype(c.size())>(v.size()));
            std::copy(v.begin(), v.end(), c.data());
        }
    }
    /// Values of an archived type: a count, then each as the element `name`, read one at a time into a blank.
    template <class L>
    void objects(const char* name, L& list) {
        if constexpr (loading) {
            const std::uint64_t n = load_count(ar_, name);
            list.clear();
            for (std::uint64_t i = 0; i < n; ++i) nested(name, list.emplace_back());
        } else {
            save_count(ar_, list.size());
            for (const auto& x : list) nested(name, x);
        }
    }
    /// A value of an archived type as a nested element (with its own class information and version).
    template <class X>
    void nested(const char* name, X& x) {
        if constexpr (loading) ar_ >> boost::serialization::make_nvp(name, x);
        else ar_ << boost::serialization::make_nvp(name, x);
    }
    /// A number exactly as Boost writes it.
    template <class X>
    void raw(const char* name, X& x) {
        if constexpr (loading) ar_ >> boost::serialization::make_nvp(name, x);
        else ar_ << boost::serialization::make_nvp(name, std::as_const(x));
    }

private:
    template <class X, std::size_t... I>
    static void emplace_alternative(X& x, unsigned kind, std::index_sequence<I...>) {
        ((kind == I ? (x.template emplace<I>(), 0) : 0), ...);
    }

    Ar& ar_;
    const char* type_;
    unsigned version_;
    std::size_t record_ = 0;
};

// ---- field kinds that the C++ type alone does not choose -------------------------------------------------------

/// An optional value under a flag named `flag` rather than "present".
template <class O>
struct flagged_field {
    const char* flag;
    O& value;
    template <class V>
    void visit(V& v, const char* name) {
        v.optional(flag, name, value);
    }
};
template <class O>
flagged_field<O> flagged(const char* flag, O& value) {
    return {flag, value};
}

/// Records laid out inline: a count (errors name it "type: name"), then each record's fields as `fields(v, record)`
/// lists them (without a count or element of their own), read one record at a time. Without `fields`, each record
/// is one field (a variant: its kind and alternative).
template <class L, class F>
struct record_list {
    L& list;
    F fields;
    template <class V>
    void visit(V& v, const char* name) {
        if constexpr (V::loading) {
            std::uint64_t n = 0;
            v.count(name, n);
            list.clear();
            for (std::uint64_t i = 0; i < n; ++i) {
                v.at_record(i);
                fields(v, list.emplace_back());
            }
        } else {
            std::uint64_t n = list.size();
            v.count(name, n);
            for (auto& x : list) fields(v, x);
        }
    }
};
inline constexpr auto one_field = [](auto& v, auto& x) { v(x); };
template <class L, class F = decltype(one_field)>
record_list<L, F> records(L& list, F fields = one_field) {
    return {list, std::move(fields)};
}

/// Doubles kept apart in memory and packed into one array in the archive; a loader refuses another count.
template <class... D>
struct packed_field {
    std::tuple<D&...> values;
    template <class V>
    void visit(V& v, const char* name) {
        constexpr std::size_t n = sizeof...(D);
        if constexpr (V::loading) {
            std::vector<double> got;
            load_array(v.archive(), name, got);
            if (got.size() != n)
                fail(v.label(name) + ": " + std::to_string(got.size()) + " values, not " + std::to_string(n));
            std::apply([&](auto&... x) {
                std::size_t i = 0;
                ((x = got[i++]), ...);
            }, values);
        } else {
            const auto all = std::apply([](const auto&... x) { return std::array<double, n>{x...}; }, values);
            save_array(v.archive(), name, all.data(), n);
        }
    }
};
template <class... D>
packed_field<D...> packed(D&... values) {
    return {std::tie(values...)};
}

/// A size written as uint64 and refused on load above max_count.
template <class S>
struct bounded_field {
    S& value;
    template <class V>
    void visit(V& v, const char* name) {
        std::uint64_t n = value;
        v.raw(name, n);
        if constexpr (V::loading) {
            if (n > max_count) checked(n, v.label(name).c_str());
            value = static_cast<S>(n);
        }
    }
};
template <class S>
bounded_field<S> bounded(S& value) {
    return {value};
}

/// A count (the element "count"), refused on load above max_count; errors name it "type: name".
struct count_field {
    std::uint64_t& value;
    template <class V>
    void visit(V& v, const char* name) {
        v.count(name, value);
    }
};
inline count_field count_of(std::uint64_t& n) { return {n}; }

// ---- saving and loading a described type --------------------------------------------------------------------------

/// The parts a rebuilt type is saved as: references to what its accessors return, values for what they compute.
template <class... P>
std::tuple<P...> part_list(P&&... parts) {
    return std::tuple<P...>(std::forward<P>(parts)...);
}

template <class D>
concept rebuilt = requires { &D::make; };

template <class F>
struct parameters;
template <class R, class... P>
struct parameters<R (*)(P...)> {
    using values = std::tuple<std::remove_cvref_t<P>...>;
};

/// A part loads into a default value where its type has one, otherwise into a copy of the replaced value's part.
template <class P, class Current>
P blank_part(const Current& current) {
    if constexpr (std::default_initializable<P>) return P{};
    else return P(current);
}
template <class Values, class D, class T, std::size_t... I>
Values blank_parts_of(const T& replaced, std::index_sequence<I...>) {
    const auto current = D::parts(replaced);
    return Values(blank_part<std::tuple_element_t<I, Values>>(std::get<I>(current))...);
}
/// What a rebuilt type's parts load into: values of make's parameter types (which the archive's then replace).
template <class D, class T>
auto blank_parts(const T& replaced) {
    using values = typename parameters<decltype(&D::make)>::values;
    if constexpr (std::default_initializable<values>) return values{};
    else return blank_parts_of<values, D>(replaced, std::make_index_sequence<std::tuple_size_v<values>>());
}

/// The value a plain type loads into.
template <class D, class T>
T blank_value(const T& replaced) {
    if constexpr (requires { D::blank(); }) return D::blank();
    else if constexpr (std::default_initializable<T>) return T{};
    else return replaced;
}

/// Runs make or check; a definition_error names the type unless the description says its messages do.
template <class D, class F>
auto refusing(F&& f) {
    if constexpr (requires { requires D::refusals_named; }) return f();
    else return rebuild(D::name, std::forward<F>(f));
}

template <class Ar, class T>
void save_described(Ar& ar, const T& value) {
    using D = description<T>;
    visitor<Ar> v(ar, D::name, boost::serialization::version<T>::value);
    if constexpr (rebuilt<D>) std::apply([&](const auto&... p) { D::fields(v, p...); }, D::parts(value));
    else D::fields(v, value);
}

template <class Ar, class T>
void load_described(Ar& ar, T& value, unsigned version) {
    using D = description<T>;
    check_version(version, boost::serialization::version<T>::value, D::name);
    visitor<Ar> v(ar, D::name, version);
    if constexpr (rebuilt<D>) {
        auto parts = blank_parts<D>(value);
        std::apply([&](auto&... p) { D::fields(v, p...); }, parts);
        value = refusing<D>([&] { return std::apply([](auto&... p) { return D::make(std::move(p)...); }, parts); });
    } else {
        T out = blank_value<D>(value);
        D::fields(v, out);
        if constexpr (requires { D::check(out); }) refusing<D>([&] { D::check(out); });
        value = std::move(out);
    }
}

} // namespace leadscore::detail::archive

namespace boost::serialization {

/// Every type with a description: saved through it, or loaded, checked and rebuilt through it. (A type's own
/// serialize or save / load — a user's policy, the type-erased policies — is more specialized and chosen first.)
template <class Ar, class T>
    requires leadscore::detail::archive::described<T>
void serialize(Ar& ar, T& value, const unsigned int version) {
    if constexpr (Ar::is_saving::value) leadscore::detail::archive::save_described(ar, std::as_const(value));
    else leadscore::detail::archive::load_described(ar, value, version);
}

} // namespace boost::serialization

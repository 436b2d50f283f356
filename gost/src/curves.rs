//! The GOST curves, as RustCrypto prime-order curves.
//!
//! Each curve gets Montgomery-form field and scalar types from `primefield`
//! (constant-time crypto-bigint arithmetic) and its group law from
//! `primeorder` (complete addition formulas, constant-time radix-16 scalar
//! multiplication). This file only states the numbers; the `gost_curve!` macro
//! wires them into the traits, the same way RustCrypto's own curve crates do.
//!
//! Two choices per curve, both about speed (docs/gost.md, "Speed"):
//! - `field`: `montgomery` is primefield's generic arithmetic; `pseudo_mersenne(c)`
//!   is the arithmetic of [`crate::pseudo_mersenne`] for p = 2^bits − c, which
//!   both of NCA's curves have. It plugs into primefield the way RustCrypto's
//!   fiat-crypto backends do: same Montgomery form, only the hot operations
//!   (add, sub, neg, mul, square) replaced.
//! - `backend`: how the scheme multiplies (`scheme::GostArithmetic`):
//!   `generic` is primeorder's scalar multiplication; `fixed_base`, for the
//!   curve that signs, a table of multiples of G built once per process
//!   ([`crate::fixed_base`]) and a faster variable-time a·G + b·P for
//!   verification ([`crate::joint`]).
//!
//! Constants are big-endian hex, as the standards print them. The Kazakh
//! little-endian wire formats are qoltanba-pki's concern (`crypto::gost`).

/// The field's arithmetic (see the module doc): inherent `add`, `double`,
/// `sub`, `neg`, `multiply`, `square`, `invert` on `FieldElement`, which
/// primefield's `monty_field_element!` builds every trait on.
macro_rules! gost_field_arithmetic {
    (montgomery, $uint:ident) => {
        primefield::monty_field_arithmetic! {
            name: FieldElement,
            params: FieldParams,
            uint: $uint
        }
    };
    (pseudo_mersenne($c:literal), $uint:ident) => {
        use elliptic_curve::bigint::Word;
        use primefield::MontyFieldElement;
        use $crate::fixed_base::MontgomeryWords as _;
        use $crate::pseudo_mersenne;

        /// c in p = 2^bits − c (checked against p in the tests).
        pub(super) const C: Word = $c;

        impl FieldElement {
            /// From an integer below p (not checked), into Montgomery form.
            #[inline]
            pub(crate) const fn from_uint_unchecked(w: $uint) -> Self {
                Self(MontyFieldElement::from_uint_reduced(&w))
            }

            /// The integer this element stands for (out of Montgomery form).
            #[inline]
            pub const fn to_canonical(self) -> $uint {
                self.0.to_canonical()
            }

            /// `self + rhs`.
            #[inline]
            pub fn add(&self, rhs: &Self) -> Self {
                Self::from_words(pseudo_mersenne::add(&self.to_words(), &rhs.to_words(), C))
            }

            /// `2·self`.
            #[inline]
            #[must_use]
            pub fn double(&self) -> Self {
                self.add(self)
            }

            /// `self − rhs`.
            #[inline]
            pub fn sub(&self, rhs: &Self) -> Self {
                Self::from_words(pseudo_mersenne::sub(&self.to_words(), &rhs.to_words(), C))
            }

            /// `−self`.
            #[inline]
            pub fn neg(&self) -> Self {
                Self::from_words(pseudo_mersenne::neg(&self.to_words(), C))
            }

            /// `self · rhs`.
            #[inline]
            pub fn multiply(&self, rhs: &Self) -> Self {
                Self::from_words(pseudo_mersenne::mul(&self.to_words(), &rhs.to_words(), C))
            }

            /// `self²`.
            #[inline]
            #[must_use]
            pub fn square(&self) -> Self {
                Self::from_words(pseudo_mersenne::square(&self.to_words(), C))
            }

            /// `1/self` (none for 0): crypto-bigint's constant-time safegcd.
            #[inline]
            pub fn invert(&self) -> CtOption<Self> {
                self.0.invert().map(Self)
            }

            /// `1/self` in variable time, for public values only.
            #[inline]
            pub fn invert_vartime(&self) -> CtOption<Self> {
                self.0.invert_vartime().map(Self)
            }
        }
    };
}

/// The scheme's two multiplications (`scheme::GostArithmetic`): `generic`
/// takes primeorder's; `fixed_base` k·G from a [`FixedBaseTable`] built on
/// first use and a·G + b·P from [`joint::lincomb_vartime`], which reads G's
/// multiples from the same table.
///
/// [`FixedBaseTable`]: crate::fixed_base::FixedBaseTable
/// [`joint::lincomb_vartime`]: crate::joint::lincomb_vartime
macro_rules! gost_scheme_arithmetic {
    (generic, $curve:ident) => {
        impl $crate::scheme::GostArithmetic for $curve {}
        gost_scheme!($curve);
    };
    (fixed_base, $curve:ident) => {
        /// Multiples of G, built on first use and kept for the process.
        static FIXED_BASE: std::sync::LazyLock<$crate::fixed_base::FixedBaseTable<$curve>> =
            std::sync::LazyLock::new($crate::fixed_base::FixedBaseTable::new);

        impl $crate::scheme::GostArithmetic for $curve {
            fn mul_by_generator(k: &Scalar) -> AffinePoint {
                FIXED_BASE.mul(k)
            }

            fn lincomb_vartime(a: &Scalar, b: &Scalar, p: &AffinePoint) -> AffinePoint {
                $crate::joint::lincomb_vartime::<$curve>(
                    a,
                    FIXED_BASE.odd_multiples(),
                    $crate::fixed_base::WINDOW,
                    b,
                    p,
                )
            }
        }

        gost_scheme!($curve);
    };
}

/// [`GostCurve`](crate::GostCurve) for one curve: bodies that name the curve,
/// so that the scheme is compiled in this crate (see the README).
macro_rules! gost_scheme {
    ($curve:ident) => {
        impl $crate::GostCurve for $curve {
            fn public_point(d: &Scalar) -> AffinePoint {
                $crate::scheme::public_point::<$curve>(d)
            }

            fn sign_with_nonce(d: &Scalar, e: &Scalar, k: &Scalar) -> Option<(Scalar, Scalar)> {
                $crate::scheme::sign_with_nonce::<$curve>(d, e, k)
            }

            fn verify(q: &AffinePoint, e: &Scalar, r: &Scalar, s: &Scalar) -> bool {
                $crate::scheme::verify::<$curve>(q, e, r, s)
            }
        }
    };
}

/// For `pseudo_mersenne` fields: c is right, and every operation gives what
/// crypto-bigint's generic Montgomery arithmetic gives, with 64-bit words and
/// with 32-bit ones (the words of armv7 Android), on edge and random values.
#[cfg(test)]
macro_rules! gost_field_tests {
    (montgomery, $uint:ident, $p:literal) => {};
    (pseudo_mersenne($c:literal), $uint:ident, $p:literal) => {
        mod pseudo_mersenne_field {
            use super::super::field::C;
            use super::FieldElement;
            use elliptic_curve::bigint::{Word, $uint};
            use primefield::MontyFieldElement;
            use proptest::prelude::*;
            use $crate::fixed_base::MontgomeryWords;
            #[cfg(target_pointer_width = "64")]
            use $crate::pseudo_mersenne;

            const P: $uint = $uint::from_be_hex($p);
            const LIMBS: usize = <$uint>::LIMBS;

            /// The element whose Montgomery words are `w` (any w < p is one).
            fn element(w: $uint) -> FieldElement {
                FieldElement::from_words(w.to_words())
            }

            /// Montgomery words as 32-bit words (little-endian, as crypto-bigint).
            #[cfg(target_pointer_width = "64")]
            fn halves(words: &[Word]) -> [u32; 2 * LIMBS] {
                std::array::from_fn(|i| (words[i / 2] >> (32 * (i % 2))) as u32)
            }

            fn check(a: FieldElement, b: FieldElement) {
                let (ga, gb) = (MontyFieldElement::from(a), MontyFieldElement::from(b));
                let generic = |g: MontyFieldElement<_, LIMBS>| FieldElement::from(g);
                assert_eq!(a.add(&b), generic(ga.add(&gb)), "{a:?} + {b:?}");
                assert_eq!(a.sub(&b), generic(ga.sub(&gb)), "{a:?} - {b:?}");
                assert_eq!(a.neg(), generic(ga.neg()), "-{a:?}");
                assert_eq!(a.double(), generic(ga.double()), "2·{a:?}");
                assert_eq!(a.multiply(&b), generic(ga.multiply(&gb)), "{a:?} · {b:?}");
                assert_eq!(a.square(), generic(ga.square()), "{a:?}²");
                #[cfg(target_pointer_width = "64")]
                {
                    let (wa, wb) = (halves(a.to_words().as_ref()), halves(b.to_words().as_ref()));
                    let c32 = $c as u32;
                    let words = |fe: FieldElement| halves(fe.to_words().as_ref());
                    assert_eq!(pseudo_mersenne::add(&wa, &wb, c32), words(a.add(&b)));
                    assert_eq!(pseudo_mersenne::sub(&wa, &wb, c32), words(a.sub(&b)));
                    assert_eq!(pseudo_mersenne::neg(&wa, c32), words(a.neg()));
                    assert_eq!(pseudo_mersenne::mul(&wa, &wb, c32), words(a.multiply(&b)));
                    assert_eq!(pseudo_mersenne::square(&wa, c32), words(a.square()));
                }
            }

            /// 0, 1, 2, c, p − 1, p − 2, p − c, 2^(bits−1) ± 1, words of all
            /// ones and of single bits: where carries, borrows and the final
            /// subtraction of p change course.
            fn edges() -> Vec<FieldElement> {
                let one = $uint::ONE;
                let c = $uint::from_u64($c);
                let half = one.shl_vartime($uint::BITS - 1);
                let mut values = vec![
                    $uint::ZERO,
                    one,
                    one.wrapping_add(&one),
                    c,
                    c.wrapping_sub(&one),
                    c.wrapping_add(&one),
                    P.wrapping_sub(&one),
                    P.wrapping_sub(&one.wrapping_add(&one)),
                    P.wrapping_sub(&c),
                    half,
                    half.wrapping_sub(&one),
                    half.wrapping_add(&one),
                    P.shr_vartime(1),
                ];
                for i in 0..LIMBS {
                    let mut words = [0 as Word; LIMBS];
                    words[i] = Word::MAX;
                    values.push($uint::from_words(words));
                    words[i] = 1;
                    values.push($uint::from_words(words));
                }
                values.into_iter().map(element).collect()
            }

            #[test]
            fn c_is_the_distance_from_p_to_a_power_of_two() {
                assert_eq!($uint::ZERO.wrapping_sub(&$uint::from_u64($c)), P);
                assert_eq!(C, $c);
            }

            #[test]
            fn edge_values_agree_with_generic_arithmetic() {
                let edges = edges();
                for a in &edges {
                    for b in &edges {
                        check(*a, *b);
                    }
                }
            }

            proptest! {
                #[test]
                fn random_values_agree_with_generic_arithmetic(
                    a in proptest::array::uniform::<_, LIMBS>(any::<Word>()),
                    b in proptest::array::uniform::<_, LIMBS>(any::<Word>()),
                ) {
                    // Below p: p is within c of 2^bits, so this almost never
                    // changes anything, but a value ≥ p is not an element.
                    let below_p = |w: [Word; LIMBS]| {
                        let w = $uint::from_words(w);
                        if w >= P { w.wrapping_sub(&P) } else { w }
                    };
                    check(element(below_p(a)), element(below_p(b)));
                }
            }
        }
    };
}

/// Define one curve in its own module: `$curve` (the curve marker type),
/// `FieldElement`, `Scalar`, `AffinePoint`, `ProjectivePoint`.
macro_rules! gost_curve {
    (
        $(#[$doc:meta])*
        mod $module:ident, curve $curve:ident {
            uint: $uint:ident,
            bytes: $bytes:ident,
            arithmetic: $arithmetic:ident,
            field: $field:ident $(($c:literal))?,
            backend: $backend:ident,
            p: $p:literal, p_non_residue: $p_gen:literal,
            q: $q:literal, q_non_residue: $q_gen:literal,
            a: $a:literal,
            b: $b:literal,
            x: $x:literal,
            y: $y:literal $(,)?
        }
    ) => {
        $(#[$doc])*
        // primefield 0.14's macros call a crypto-bigint method deprecated in 0.7.11.
        #[allow(deprecated)]
        pub mod $module {
            use elliptic_curve::bigint::{$uint, Odd};
            use elliptic_curve::consts::$bytes;
            use elliptic_curve::{CurveArithmetic, PrimeCurveArithmetic, hazmat::FieldArithmetic};
            use primeorder::{PrimeCurveParams, point_arithmetic};

            const ORDER_HEX: &str = $q;

            /// The curve marker type.
            #[derive(Copy, Clone, Debug, Default, Eq, PartialEq, PartialOrd, Ord)]
            pub struct $curve;

            impl elliptic_curve::Curve for $curve {
                type FieldBytesSize = $bytes;
                type Uint = $uint;
                const ORDER: Odd<$uint> = Odd::<$uint>::from_be_hex(ORDER_HEX);
            }

            impl elliptic_curve::PrimeCurve for $curve {}

            impl elliptic_curve::point::PointCompression for $curve {
                const COMPRESS_POINTS: bool = false;
            }

            pub use field::FieldElement;
            pub use scalar::Scalar;

            mod field {
                #[allow(unused_imports)]
                use elliptic_curve::{
                    bigint::$uint,
                    ff::PrimeField,
                    subtle::{Choice, ConstantTimeEq, CtOption},
                };

                primefield::monty_field_params! {
                    name: FieldParams,
                    modulus: $p,
                    uint: $uint,
                    byte_order: primefield::ByteOrder::BigEndian,
                    multiplicative_generator: $p_gen,
                    doc: "Montgomery parameters of the field modulus p"
                }

                primefield::monty_field_element! {
                    name: FieldElement,
                    params: FieldParams,
                    uint: $uint,
                    doc: "An element of the curve's base field (mod p)"
                }

                gost_field_arithmetic!($field $(($c))?, $uint);

                impl $crate::fixed_base::MontgomeryWords for FieldElement {
                    type Words = [elliptic_curve::bigint::Word; <$uint>::LIMBS];

                    #[inline(always)]
                    fn to_words(&self) -> Self::Words {
                        self.0.to_montgomery_words()
                    }

                    #[inline(always)]
                    fn from_words(words: Self::Words) -> Self {
                        Self(primefield::MontyFieldElement::from_montgomery_words(words))
                    }
                }

                impl elliptic_curve::ops::BatchInvert for FieldElement {}
            }

            mod scalar {
                #[allow(unused_imports)]
                use elliptic_curve::{
                    Curve as _,
                    bigint::$uint,
                    ff::PrimeField,
                    scalar::{FromUintUnchecked, IsHigh},
                    subtle::{Choice, ConstantTimeEq, ConstantTimeGreater, CtOption},
                };

                use super::{$curve, ORDER_HEX};

                primefield::monty_field_params! {
                    name: ScalarParams,
                    modulus: ORDER_HEX,
                    uint: $uint,
                    byte_order: primefield::ByteOrder::BigEndian,
                    multiplicative_generator: $q_gen,
                    doc: "Montgomery parameters of the group order q"
                }

                primefield::monty_field_element! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint,
                    doc: "An integer mod the group order q"
                }

                primefield::monty_field_arithmetic! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint
                }

                primefield::monty_field_reduce! {
                    name: Scalar,
                    params: ScalarParams,
                    uint: $uint,
                }

                elliptic_curve::scalar_impls!($curve, Scalar);
                primeorder::wnaf::impl_wnaf_size_for_scalar!(Scalar);

                impl AsRef<Scalar> for Scalar {
                    fn as_ref(&self) -> &Scalar {
                        self
                    }
                }

                impl FromUintUnchecked for Scalar {
                    type Uint = $uint;

                    fn from_uint_unchecked(uint: Self::Uint) -> Self {
                        Self::from_uint_unchecked(uint)
                    }
                }

                impl IsHigh for Scalar {
                    fn is_high(&self) -> Choice {
                        let half = $curve::ORDER.as_ref().shr_vartime(1);
                        self.to_canonical().ct_gt(&half)
                    }
                }
            }

            /// A point in affine coordinates.
            pub type AffinePoint = primeorder::AffinePoint<$curve>;
            /// A point in projective coordinates.
            pub type ProjectivePoint = primeorder::ProjectivePoint<$curve>;

            impl CurveArithmetic for $curve {
                type AffinePoint = AffinePoint;
                type ProjectivePoint = ProjectivePoint;
                type Scalar = Scalar;
            }

            impl FieldArithmetic for $curve {
                type FieldElement = FieldElement;
            }

            impl PrimeCurveArithmetic for $curve {
                type CurveGroup = ProjectivePoint;
            }

            gost_scheme_arithmetic!($backend, $curve);

            impl PrimeCurveParams for $curve {
                type PointArithmetic = point_arithmetic::$arithmetic;
                type Backend = primeorder::mul_backend::VariableOnly;
                const EQUATION_A: FieldElement = FieldElement::from_hex_vartime($a);
                const EQUATION_B: FieldElement = FieldElement::from_hex_vartime($b);
                const GENERATOR: (FieldElement, FieldElement) = (
                    FieldElement::from_hex_vartime($x),
                    FieldElement::from_hex_vartime($y),
                );
            }

            #[cfg(test)]
            mod tests {
                use super::{FieldElement, ProjectivePoint, Scalar};
                use elliptic_curve::Group;
                #[allow(unused_imports)]
                use elliptic_curve::bigint::$uint;

                mod field {
                    use super::*;
                    primefield::test_primefield!(FieldElement, $uint);
                }

                mod scalar {
                    use super::*;
                    primefield::test_primefield!(Scalar, $uint);
                }

                gost_field_tests!($field $(($c))?, $uint, $p);

                /// The generator lies on the curve and has order q:
                /// (q-1)G = -G and (q-1)G + G = O.
                #[test]
                fn generator_has_order_q() {
                    let g = ProjectivePoint::generator();
                    let minus_one = -Scalar::ONE;
                    assert_eq!(g * minus_one, -g);
                    assert_eq!(g * minus_one + g, ProjectivePoint::IDENTITY);
                    assert!(!bool::from((g * Scalar::ONE).is_identity()));
                    let affine = g.to_affine();
                    use elliptic_curve::point::AffineCoordinates;
                    assert!(bool::from(
                        <super::AffinePoint as AffineCoordinates>::from_coordinates(
                            &affine.x(),
                            &affine.y()
                        )
                        .is_some()
                    ));
                }
            }
        }
    };
}

gost_curve! {
    /// id-tc26-gost-3410-12-512-paramSetA (RFC 7836 §A.1; GOST R 34.10-2012
    /// 512-bit): the curve of every GOST 2015 key NCA issues
    /// (Kazakh parameter OID 1.2.398.3.10.1.1.2.2.1).
    mod tc26_512a, curve Tc26Gost512A {
        uint: U512,
        bytes: U64,
        arithmetic: EquationAIsMinusThree,
        field: pseudo_mersenne(569),
        backend: fixed_base,
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
        p_non_residue: 5,
        q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
        q_non_residue: 2,
        a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
        b: "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
        x: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003",
        y: "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
    }
}

gost_curve! {
    /// id-GostR3410-2001-CryptoPro-A-ParamSet (RFC 4357 §11.4): the curve of
    /// legacy GOST 34.310-2004 certificates (Kazakh parameter OID
    /// 1.2.398.3.10.1.1.1.1.1). Verification only.
    mod cryptopro_a, curve CryptoProA {
        uint: U256,
        bytes: U32,
        arithmetic: EquationAIsMinusThree,
        field: pseudo_mersenne(617),
        backend: generic,
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
        p_non_residue: 7,
        q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
        q_non_residue: 2,
        a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
        b: "00000000000000000000000000000000000000000000000000000000000000A6",
        x: "0000000000000000000000000000000000000000000000000000000000000001",
        y: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
    }
}

#[cfg(test)]
gost_curve! {
    /// The 256-bit example curve of GOST R 34.10-2012 Appendix A.1 / RFC 7091
    /// §7.1 (a = 7), only for the standard's worked example.
    mod example_256, curve Example256 {
        uint: U256,
        bytes: U32,
        arithmetic: EquationAIsGeneric,
        field: montgomery,
        backend: generic,
        p: "8000000000000000000000000000000000000000000000000000000000000431",
        p_non_residue: 7,
        q: "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3",
        q_non_residue: 2,
        a: "0000000000000000000000000000000000000000000000000000000000000007",
        b: "5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E",
        x: "0000000000000000000000000000000000000000000000000000000000000002",
        y: "08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8",
    }
}

#[cfg(test)]
gost_curve! {
    /// The 512-bit example curve of GOST R 34.10-2012 Appendix A.2 / RFC 7091
    /// §7.2 (a = 7), only for the standard's worked example.
    mod example_512, curve Example512 {
        uint: U512,
        bytes: U64,
        arithmetic: EquationAIsGeneric,
        field: montgomery,
        backend: generic,
        p: "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373",
        p_non_residue: 2,
        q: "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF",
        q_non_residue: 5,
        a: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007",
        b: "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC",
        x: "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A",
        y: "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E",
    }
}

//! a·G + b·P for verification, in variable time: every input (the digest,
//! the signature, the public key) is public, so this code may branch on the
//! scalars and skip work, which the signing side never does.
//!
//! Straus's interleaved method ("Shamir's trick"): one run of doublings
//! shared by both scalars, each written in wNAF (width-w non-adjacent form:
//! digits 0 or odd with |d| < 2^(w−1), at most one non-zero digit in any w
//! consecutive ones), adding ±(odd multiple) from a small table at each
//! non-zero digit. G's table (G, 3G, …, 31G, w = 6) comes from the signing
//! table and costs nothing per call; P's (P, 3P, …, 15P, w = 5) is computed
//! per call, then brought to affine form with one inversion.
//!
//! primeorder's `lincomb_vartime` does the same on its complete projective
//! formulas (about 13 field multiplications per doubling); here the
//! accumulator is in Jacobian coordinates (x = X/Z², y = Y/Z³), where a
//! doubling takes 8 and an addition of an affine point 11, which is what
//! brings verification within 15× ring's P-256 (docs/gost.md). These
//! formulas are not complete; the cases they do not cover (the identity, equal
//! or opposite points) are caught by explicit checks, as variable time
//! allows.
//!
//! The doubling formula assumes a = −3, true of TC26-512-A (checked in
//! `fixed_base`'s tests).

use elliptic_curve::bigint::Invert;
use elliptic_curve::group::Group;
use elliptic_curve::point::{AffineCoordinates, BatchNormalize};
use elliptic_curve::{Field, PrimeField};
use primeorder::{AffinePoint, PrimeCurveParams, PrimeFieldExt, ProjectivePoint};

/// wNAF width for the per-call table of P: 8 odd multiples (from
/// primeorder's own choice for its `lincomb_vartime`).
const P_WINDOW: u32 = 5;

/// A point in Jacobian coordinates; Z = 0 is the identity.
#[derive(Clone, Copy)]
struct Jacobian<F> {
    x: F,
    y: F,
    z: F,
}

impl<F: Field> Jacobian<F> {
    const IDENTITY: Self = Self {
        x: F::ONE,
        y: F::ONE,
        z: F::ZERO,
    };

    fn is_identity(&self) -> bool {
        self.z.is_zero_vartime()
    }

    /// 2·self for a = −3 ("dbl-2001-b", Bernstein–Lange Explicit-Formulas
    /// Database): 3M + 5S. The identity maps to Z = 0 again; a point with
    /// y = 0 (order 2) does not exist in a group of odd order.
    fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let alpha = (self.x - delta) * (self.x + delta);
        let alpha = alpha.double() + alpha;
        let beta4 = beta.double().double();
        let x = alpha.square() - beta4.double();
        let z = (self.y + self.z).square() - gamma - delta;
        let gamma_sq8 = gamma.square().double().double().double();
        let y = alpha * (beta4 - x) - gamma_sq8;
        Self { x, y, z }
    }

    /// self + (x2, y2) for an affine point ("madd-2007-bl"): 7M + 4S, with
    /// the identity, doubling and opposite points handled by branches.
    fn add_affine(&self, x2: &F, y2: &F) -> Self {
        if self.is_identity() {
            return Self {
                x: *x2,
                y: *y2,
                z: F::ONE,
            };
        }
        let z1z1 = self.z.square();
        let u2 = *x2 * z1z1;
        let s2 = *y2 * self.z * z1z1;
        let h = u2 - self.x;
        let r = (s2 - self.y).double();
        if h.is_zero_vartime() {
            // Same x: the same point (double it) or opposite ones (sum O).
            return if r.is_zero_vartime() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h * i;
        let v = self.x * i;
        let x = r.square() - j - v.double();
        let y = r * (v - x) - (self.y * j).double();
        let z = (self.z + h).square() - z1z1 - hh;
        Self { x, y, z }
    }
}

/// a·G + b·P, with `g_odd` = (G, 3G, …, (2^(g_window−1) − 1)·G) as affine
/// (x, y). Variable time: public inputs only.
pub(crate) fn lincomb_vartime<C: PrimeCurveParams>(
    a: &C::Scalar,
    g_odd: &[(C::FieldElement, C::FieldElement)],
    g_window: u32,
    b: &C::Scalar,
    p: &AffinePoint<C>,
) -> AffinePoint<C> {
    debug_assert!(
        C::EQUATION_A == -C::FieldElement::from(3),
        "the doubling formula needs a = −3"
    );
    debug_assert_eq!(g_odd.len(), 1 << (g_window - 2));
    let a_digits = wnaf(a.to_le_repr().as_ref(), g_window);
    // b·O adds nothing (and O has no affine coordinates for a table).
    let (b_digits, p_odd) = if bool::from(p.is_identity()) {
        (Vec::new(), Vec::new())
    } else {
        (wnaf(b.to_le_repr().as_ref(), P_WINDOW), odd_multiples(p))
    };

    let mut acc = Jacobian::<C::FieldElement>::IDENTITY;
    for i in (0..a_digits.len().max(b_digits.len())).rev() {
        if !acc.is_identity() {
            acc = acc.double();
        }
        for (digits, table) in [(&a_digits, g_odd), (&b_digits, &p_odd[..])] {
            let d = digits.get(i).copied().unwrap_or(0);
            if d != 0 {
                let (x, y) = &table[usize::from(d.unsigned_abs() / 2)];
                acc = if d > 0 {
                    acc.add_affine(x, y)
                } else {
                    acc.add_affine(x, &-*y)
                };
            }
        }
    }
    to_affine::<C>(&acc)
}

/// P, 3P, …, 15P as affine (x, y), for P other than the identity.
fn odd_multiples<C: PrimeCurveParams>(
    p: &AffinePoint<C>,
) -> Vec<(C::FieldElement, C::FieldElement)> {
    let count = 1 << (P_WINDOW - 2);
    let base = ProjectivePoint::<C>::from(*p);
    let twice = base.double();
    let mut multiples = vec![base; count];
    for i in 1..count {
        multiples[i] = multiples[i - 1] + twice;
    }
    ProjectivePoint::<C>::batch_normalize_vartime(multiples.as_slice())
        .iter()
        .map(|point| (coordinate::<C>(point.x()), coordinate::<C>(point.y())))
        .collect()
}

/// A coordinate of a point on the curve as a field element.
fn coordinate<C: PrimeCurveParams>(bytes: elliptic_curve::FieldBytes<C>) -> C::FieldElement {
    Option::from(C::FieldElement::from_repr(bytes))
        .expect("the coordinates of a curve point are field elements")
}

/// The affine form of a Jacobian point, through one (variable-time)
/// inversion.
fn to_affine<C: PrimeCurveParams>(point: &Jacobian<C::FieldElement>) -> AffinePoint<C> {
    let Some(z_inv) = Option::<C::FieldElement>::from(point.z.invert_vartime()) else {
        return AffinePoint::<C>::IDENTITY;
    };
    let z_inv2 = z_inv.square();
    let x = point.x * z_inv2;
    let y = point.y * z_inv2 * z_inv;
    // Always on the curve; the check is two multiplications and turns a
    // (never seen) slip in the formulas into a refused signature rather
    // than a wrong answer.
    Option::from(AffinePoint::<C>::from_coordinates(
        &x.to_repr(),
        &y.to_repr(),
    ))
    .unwrap_or_else(|| {
        debug_assert!(false, "the Jacobian sum left the curve");
        AffinePoint::<C>::IDENTITY
    })
}

/// The width-`w` NAF of a little-endian integer: `digits[i]` is 0 or odd
/// with |d| < 2^(w−1), and the integer is Σ digits[i]·2^i. After the
/// wnaf crate's `wnaf_form` (which primeorder uses, but does not export).
fn wnaf(le: &[u8], w: u32) -> Vec<i8> {
    let bits = le.len() * 8;
    let bit = |pos: usize| u32::from(le.get(pos / 8).copied().unwrap_or(0) >> (pos % 8)) & 1;
    let width = 1u32 << w;
    let mut digits = vec![0i8; bits + w as usize + 1];
    let mut carry = 0;
    let mut pos = 0;
    while pos < bits || carry != 0 {
        let window: u32 = (0..w as usize).map(|j| bit(pos + j) << j).sum::<u32>() + carry;
        if window & 1 == 0 {
            // Even: this digit is 0 and the carry moves on one bit.
            pos += 1;
            continue;
        }
        // Odd: take window − 2^w when it is at least 2^(w−1), carrying 1.
        let (digit, next_carry) = if window < width / 2 {
            (window as i32, 0)
        } else {
            (window as i32 - width as i32, 1)
        };
        digits[pos] = digit as i8;
        carry = next_carry;
        pos += w as usize;
    }
    digits.truncate(
        digits
            .iter()
            .rposition(|&d| d != 0)
            .map_or(0, |top| top + 1),
    );
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curves::tc26_512a::{Scalar, Tc26Gost512A};
    use crate::scheme::GostArithmetic;
    use elliptic_curve::FieldBytes;
    use elliptic_curve::ops::Reduce;
    use proptest::prelude::*;

    type Point = ProjectivePoint<Tc26Gost512A>;

    fn scalar(bytes: [u8; 64]) -> Scalar {
        <Scalar as Reduce<FieldBytes<Tc26Gost512A>>>::reduce(&bytes.into())
    }

    /// a·G + b·P through the joint path, and through primeorder's plain
    /// multiplications and addition.
    fn both(
        a: &Scalar,
        b: &Scalar,
        p: &Point,
    ) -> (AffinePoint<Tc26Gost512A>, AffinePoint<Tc26Gost512A>) {
        (
            Tc26Gost512A::lincomb_vartime(a, b, &p.to_affine()),
            (Point::GENERATOR * a + *p * b).to_affine(),
        )
    }

    #[test]
    fn joint_agrees_with_primeorder_where_the_formulas_have_exceptions() {
        let g = Point::GENERATOR;
        let t = scalar([0x5a; 64]);
        let minus_one = -Scalar::ONE;
        let cases = [
            // A zero scalar, or both, or P the identity.
            (Scalar::ZERO, t, g * t),
            (t, t, Point::IDENTITY),
            (Scalar::ZERO, t, Point::IDENTITY),
            (t, Scalar::ZERO, g * t),
            (Scalar::ZERO, Scalar::ZERO, g),
            // The sum is the identity: a·G = −b·P.
            (-t, Scalar::ONE, g * t),
            (minus_one, Scalar::ONE, g),
            // Equal points meet in the accumulator: G + G.
            (Scalar::ONE, Scalar::ONE, g),
            (Scalar::from(3u64), Scalar::from(3u64), g),
            // Opposite points meet: G + (−G) on the way to something else.
            (Scalar::ONE, minus_one, g),
            (minus_one, minus_one, -g),
            (
                Scalar::from(31u64),
                Scalar::from(15u64),
                g * Scalar::from(2u64),
            ),
            // The largest scalars, whose wNAF ends in a carry digit.
            (minus_one, minus_one, g * t),
            (-Scalar::from(2u64), minus_one, g * t),
        ];
        for (a, b, p) in cases {
            let (joint, plain) = both(&a, &b, &p);
            assert_eq!(joint, plain, "a = {a:?}, b = {b:?}");
        }
    }

    proptest! {
        // Each case runs primeorder's ladder twice, unoptimised in tests.
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn joint_agrees_with_primeorder_on_random_input(
            a in any::<[u8; 64]>(),
            b in any::<[u8; 64]>(),
            t in any::<[u8; 64]>(),
        ) {
            let p = Point::GENERATOR * scalar(t);
            let (joint, plain) = both(&scalar(a), &scalar(b), &p);
            prop_assert_eq!(joint, plain);
        }
    }

    /// Σ digits[i]·2^i as an i128 (for integers of up to 100 bits).
    fn value(digits: &[i8]) -> i128 {
        digits
            .iter()
            .enumerate()
            .map(|(i, &d)| i128::from(d) << i)
            .sum()
    }

    #[test]
    fn wnaf_digits_are_odd_small_and_spaced_and_sum_to_the_integer() {
        for w in [2, 4, 5, 6] {
            for n in (0u128..3000).chain([u64::MAX as u128, (1 << 90) - 1, 0xDEAD_BEEF << 40]) {
                let digits = wnaf(&n.to_le_bytes()[..12], w);
                assert_eq!(value(&digits), n as i128, "n = {n}, w = {w}");
                for (i, &d) in digits.iter().enumerate() {
                    if d != 0 {
                        assert_eq!(d & 1, 1, "even digit");
                        assert!(i32::from(d.unsigned_abs()) < 1 << (w - 1));
                        let next = &digits[i + 1..(i + w as usize).min(digits.len())];
                        assert!(next.iter().all(|&x| x == 0), "digits too close");
                    }
                }
            }
        }
    }
}

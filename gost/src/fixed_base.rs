//! k·G for signing and key generation: a table of multiples of the generator
//! G, built once per process, and a constant-time multiplication that adds
//! one table entry per 6 bits of k and doubles nothing.
//!
//! primeorder has a basepoint table of its own (`BasepointTable`: 8
//! projective multiples per 4 bits of k, 129 full additions for a 512-bit k);
//! with it a GOST 2015-512 signature still cost 12× ring's P-256
//! (docs/gost.md). This one takes 32 affine multiples per 6 bits: 86
//! additions, each a cheaper mixed (projective + affine) one, and reads its
//! table a word at a time. No maintained crate offers that, hence this file.
//!
//! The table: row i (0 ≤ i < D) holds j·2^(6i)·G for j = 1..=32 in affine
//! form, as the Montgomery words of x and y. For a 512-bit group order D = 86:
//! 2,752 points, about 350 KB, built in a few milliseconds on first use.
//!
//! Multiplication: k is recoded into signed digits d_i in −32..=32 with
//! k = Σ d_i·2^(6i), so k·G = Σ d_i·(2^(6i)·G), one signed table entry per
//! row, summed in projective coordinates and made affine at the end.
//!
//! Constant time (k is a private key or a nonce):
//! - the recoding reads the bits of k at positions that depend only on i and
//!   recentres the digits with shifts and masks, never a branch;
//! - each row is read whole: every one of its 32 entries is combined into
//!   the result under a mask that is all ones for the wanted entry and zero
//!   for the others (the mask comes from `subtle`'s `ct_eq`, whose `Choice`
//!   the optimiser cannot see through), so memory accesses and instructions
//!   are the same for every k; the sign is applied the same way (a masked
//!   choice between y and −y);
//! - the additions are the complete formulas of Renes–Costello–Batina 2015
//!   (Algorithm 5, mixed addition for a = −3, as in primeorder), which have no
//!   exceptional cases: the empty sum at the start and equal points go
//!   through the same instructions as any other; a zero digit (no entry)
//!   computes the sum anyway and keeps the old value by a masked choice;
//! - the final affine conversion inverts Z with crypto-bigint's
//!   constant-time safegcd.

use elliptic_curve::bigint::Word;
use elliptic_curve::group::Group;
use elliptic_curve::point::{AffineCoordinates, BatchNormalize};
use elliptic_curve::subtle::{Choice, ConstantTimeEq};
use elliptic_curve::zeroize::Zeroizing;
use elliptic_curve::{Field, PrimeField};
use primeorder::{AffinePoint, PrimeCurveParams, PrimeFieldExt, ProjectivePoint};

/// Bits of k per row; also the wNAF width for which
/// [`FixedBaseTable::odd_multiples`] is the table.
pub(crate) const WINDOW: u32 = 6;
/// Multiples per row: the signed digits reach ±2^(WINDOW−1).
const ENTRIES: usize = 1 << (WINDOW - 1);
/// Digits of the largest scalar here (512 bits), on the stack.
const MAX_DIGITS: usize = 512 / WINDOW as usize + 1;

/// A field element as the words of its Montgomery form (primefield's inner
/// representation), for the table lookup: combining words under a mask is a
/// few vector instructions per entry, where `conditional_select` on field
/// elements goes through crypto-bigint's word-by-word optimisation barriers
/// and made the lookups cost as much as the additions.
pub(crate) trait MontgomeryWords: Sized {
    /// `[Word; LIMBS]`.
    type Words: Copy + Default + AsRef<[Word]> + AsMut<[Word]>;
    fn to_words(&self) -> Self::Words;
    /// Only ever given the words of a field element (below p).
    fn from_words(words: Self::Words) -> Self;
}

type Words<C> = <<C as primeorder::FieldArithmetic>::FieldElement as MontgomeryWords>::Words;

/// Multiples of G for one curve; see the module doc.
pub(crate) struct FixedBaseTable<C: PrimeCurveParams>
where
    C::FieldElement: MontgomeryWords,
{
    /// `rows[i][j − 1]` = (x, y) of j·2^(6i)·G.
    rows: Vec<[(Words<C>, Words<C>); ENTRIES]>,
    /// The odd multiples G, 3G, …, 31G as field elements (x, y), for the
    /// variable-time verification (`joint::lincomb_vartime`), which uses
    /// them as its window table for G.
    odd_multiples: Vec<(C::FieldElement, C::FieldElement)>,
}

impl<C: PrimeCurveParams> FixedBaseTable<C>
where
    C::FieldElement: MontgomeryWords,
{
    /// Digits of a scalar: enough 6-bit windows to cover the group order
    /// plus one bit, so the carry of the recentring never overflows the top
    /// digit (it stays within ±32).
    const DIGITS: usize = (<C::Scalar as PrimeField>::NUM_BITS / WINDOW + 1) as usize;

    /// Compute the table (public data: variable time is fine here).
    pub(crate) fn new() -> Self {
        debug_assert!(
            C::EQUATION_A == -C::FieldElement::from(3),
            "the addition formula needs a = −3"
        );
        let mut projective = Vec::with_capacity(Self::DIGITS * ENTRIES);
        let mut row_base = ProjectivePoint::<C>::GENERATOR;
        for _ in 0..Self::DIGITS {
            let mut multiple = row_base;
            for _ in 0..ENTRIES {
                projective.push(multiple);
                multiple += row_base;
            }
            // The next row starts at 64·base = 2·(32·base).
            row_base = projective[projective.len() - 1].double();
        }
        // One field inversion for all of them. No entry is the identity:
        // j·2^(6i) is never a multiple of the prime q.
        let affine: Vec<(C::FieldElement, C::FieldElement)> =
            ProjectivePoint::<C>::batch_normalize_vartime(projective.as_slice())
                .iter()
                .map(|point| (coordinate::<C>(point.x()), coordinate::<C>(point.y())))
                .collect();
        let rows = affine
            .chunks_exact(ENTRIES)
            .map(|row| std::array::from_fn(|j| (row[j].0.to_words(), row[j].1.to_words())))
            .collect();
        let odd_multiples = affine[..ENTRIES].iter().step_by(2).copied().collect();
        Self {
            rows,
            odd_multiples,
        }
    }

    /// k·G in constant time (see the module doc).
    pub(crate) fn mul(&self, k: &C::Scalar) -> AffinePoint<C> {
        const { assert!(Self::DIGITS <= MAX_DIGITS, "scalars of up to 512 bits") };
        let digits = signed_digits::<C>(k, Self::DIGITS);
        let digits = &digits[..Self::DIGITS];
        // The identity in projective coordinates (X : Y : Z) = (0 : 1 : 0).
        let mut acc = (
            C::FieldElement::ZERO,
            C::FieldElement::ONE,
            C::FieldElement::ZERO,
        );
        for (row, &digit) in self.rows.iter().zip(digits.iter()) {
            let (x, y, none) = select::<C>(row, digit);
            let sum = add_mixed::<C>(&acc, &x, &y);
            acc = (
                choose::<C>(&sum.0, &acc.0, none),
                choose::<C>(&sum.1, &acc.1, none),
                choose::<C>(&sum.2, &acc.2, none),
            );
        }
        // (X : Y : Z) is (X/Z, Y/Z), or the identity for Z = 0 (k ≡ 0, which
        // callers never pass). `CtOption::unwrap_or` selects in constant time.
        let z_inv = acc.2.invert().unwrap_or(C::FieldElement::ZERO);
        let (x, y) = (acc.0 * z_inv, acc.1 * z_inv);
        // A point on the curve by construction; `from_coordinates` checks
        // it anyway (three multiplications), so a slip could never yield a
        // signature with a wrong r.
        AffinePoint::<C>::from_coordinates(&x.to_repr(), &y.to_repr())
            .unwrap_or(AffinePoint::<C>::IDENTITY)
    }

    /// G, 3G, 5G, …, 31G as (x, y): the table of a wNAF with a window of
    /// [`WINDOW`] bits.
    pub(crate) fn odd_multiples(&self) -> &[(C::FieldElement, C::FieldElement)] {
        &self.odd_multiples
    }
}

/// A coordinate of a point on the curve as a field element.
fn coordinate<C: PrimeCurveParams>(bytes: elliptic_curve::FieldBytes<C>) -> C::FieldElement {
    Option::from(C::FieldElement::from_repr(bytes))
        .expect("the coordinates of a curve point are field elements")
}

/// (x, y) of d·(row base) for −32 ≤ d ≤ 32, reading the whole row, and
/// whether d is 0 (then x and y are zero words, not a point).
fn select<C: PrimeCurveParams>(
    row: &[(Words<C>, Words<C>); ENTRIES],
    d: i8,
) -> (C::FieldElement, C::FieldElement, Choice)
where
    C::FieldElement: MontgomeryWords,
{
    // |d| and the sign of d, without a branch: `sign` is all ones for a
    // negative d and zero otherwise.
    let sign = d >> 7;
    let magnitude = (d ^ sign).wrapping_sub(sign) as u8;
    let mut x = Words::<C>::default();
    let mut y = Words::<C>::default();
    for (j, (entry_x, entry_y)) in (1u8..).zip(row.iter()) {
        let mask = Word::from(magnitude.ct_eq(&j).unwrap_u8()).wrapping_neg();
        for (out, word) in x.as_mut().iter_mut().zip(entry_x.as_ref()) {
            *out |= word & mask;
        }
        for (out, word) in y.as_mut().iter_mut().zip(entry_y.as_ref()) {
            *out |= word & mask;
        }
    }
    let x = C::FieldElement::from_words(x);
    let y = C::FieldElement::from_words(y);
    let negative = Choice::from((sign & 1) as u8);
    let y = choose::<C>(&y, &-y, negative);
    (x, y, magnitude.ct_eq(&0))
}

/// `a`, or `b` if `choice` is set: `conditional_select` on the words, which
/// costs a few instructions where crypto-bigint's goes through a barrier per
/// word.
fn choose<C: PrimeCurveParams>(
    a: &C::FieldElement,
    b: &C::FieldElement,
    choice: Choice,
) -> C::FieldElement
where
    C::FieldElement: MontgomeryWords,
{
    let mask = Word::from(choice.unwrap_u8()).wrapping_neg();
    let mut words = a.to_words();
    for (out, word) in words.as_mut().iter_mut().zip(b.to_words().as_ref()) {
        *out ^= (*out ^ word) & mask;
    }
    C::FieldElement::from_words(words)
}

/// (X : Y : Z) + (x, y) for a = −3: Renes–Costello–Batina 2015, Algorithm 5,
/// line for line as primeorder's `add_assign_mixed` (which works on its own,
/// private, point type). Complete: correct for every projective input,
/// including the identity and (x, y) itself.
#[allow(clippy::similar_names)]
fn add_mixed<C: PrimeCurveParams>(
    (x1, y1, z1): &(C::FieldElement, C::FieldElement, C::FieldElement),
    x2: &C::FieldElement,
    y2: &C::FieldElement,
) -> (C::FieldElement, C::FieldElement, C::FieldElement) {
    let xx = *x1 * x2; // 1
    let yy = *y1 * y2; // 2
    let xy_pairs = ((*x1 + y1) * (*x2 + y2)) - (xx + yy); // 3, 4, 5, 6, 7
    let yz_pairs = (*y2 * z1) + y1; // 8, 9 (t4)
    let xz_pairs = (*x2 * z1) + x1; // 10, 11 (y3)

    let bz_part = xz_pairs - (C::EQUATION_B * z1); // 12, 13
    let bz3_part = bz_part.double() + bz_part; // 14, 15
    let yy_m_bzz3 = yy - bz3_part; // 16
    let yy_p_bzz3 = yy + bz3_part; // 17

    let z3 = z1.double() + z1; // 19, 20
    let bxz_part = (C::EQUATION_B * xz_pairs) - (z3 + xx); // 18, 21, 22
    let bxz3_part = bxz_part.double() + bxz_part; // 23, 24
    let xx3_m_zz3 = xx.double() + xx - z3; // 25, 26, 27

    (
        (yy_p_bzz3 * xy_pairs) - (yz_pairs * bxz3_part), // 28, 32, 33
        (yy_p_bzz3 * yy_m_bzz3) + (xx3_m_zz3 * bxz3_part), // 29, 30, 31
        (yy_m_bzz3 * yz_pairs) + (xy_pairs * xx3_m_zz3), // 34, 35, 36
    )
}

/// k = Σ d_i·2^(6i) with −32 ≤ d_i ≤ 32 (the first `digits` of the array),
/// in constant time. The digits and the bytes of k are cleared after use.
fn signed_digits<C: PrimeCurveParams>(k: &C::Scalar, digits: usize) -> Zeroizing<[i8; MAX_DIGITS]> {
    debug_assert!(digits <= MAX_DIGITS, "scalars of up to 512 bits");
    let le = Zeroizing::new(k.to_le_repr());
    let bytes: &[u8] = le.as_ref();
    // The plain 6-bit windows, 0..=63. Which bytes are read depends on i
    // only.
    let mut out = Zeroizing::new([0i8; MAX_DIGITS]);
    for (i, digit) in out.iter_mut().take(digits).enumerate() {
        let bit = i * WINDOW as usize;
        let low = bytes.get(bit / 8).copied().unwrap_or(0);
        let high = bytes.get(bit / 8 + 1).copied().unwrap_or(0);
        let window = (u16::from(low) | (u16::from(high) << 8)) >> (bit % 8);
        *digit = (window & 0x3f) as i8;
    }
    // Recentre each digit into −32..=31, carrying into the next: with
    // 0 ≤ d ≤ 64, carry = (d + 32) >> 6 is 0 or 1 by arithmetic alone.
    for i in 0..digits - 1 {
        let carry = (out[i] + 32) >> 6;
        out[i] -= carry << 6;
        out[i + 1] += carry;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curves::tc26_512a::{FieldElement, Scalar, Tc26Gost512A};
    use crate::scheme::GostArithmetic;
    use elliptic_curve::FieldBytes;
    use elliptic_curve::ops::Reduce;
    use proptest::prelude::*;

    fn scalar(bytes: [u8; 64]) -> Scalar {
        <Scalar as Reduce<FieldBytes<Tc26Gost512A>>>::reduce(&bytes.into())
    }

    /// Σ d_i·2^(6i) mod q, computed with scalar arithmetic.
    fn value(digits: &[i8]) -> Scalar {
        let radix = Scalar::from(64u64);
        digits.iter().rev().fold(Scalar::ZERO, |acc, &d| {
            let magnitude = Scalar::from(u64::from(d.unsigned_abs()));
            acc * radix + if d < 0 { -magnitude } else { magnitude }
        })
    }

    /// k·G from the table, and from primeorder's generic ladder.
    fn both(k: &Scalar) -> (AffinePoint<Tc26Gost512A>, AffinePoint<Tc26Gost512A>) {
        (
            Tc26Gost512A::mul_by_generator(k),
            (ProjectivePoint::<Tc26Gost512A>::GENERATOR * k).to_affine(),
        )
    }

    /// Scalars where the recoding's carries and the table's rows are at
    /// their edges: 0, 1, 2, digits of ±32 and ±31, single rows, q − 1 and
    /// its neighbours, (q ± 1)/2, 2^511, and windows of all ones.
    fn edge_scalars() -> Vec<Scalar> {
        let two = Scalar::from(2u64);
        let mut out = vec![Scalar::ZERO, Scalar::ONE, two, -Scalar::ONE, -two];
        for small in [3u64, 31, 32, 33, 63, 64, 65, 0x820, 0x7df, 0xfff, 0x1000] {
            out.push(Scalar::from(small));
            out.push(-Scalar::from(small));
        }
        let half = (-Scalar::ONE) * Scalar::from(2u64).invert().unwrap();
        out.extend([half, half + Scalar::ONE]);
        for row in [1u32, 2, 42, 84, 85] {
            let base = (0..6 * row).fold(Scalar::ONE, |acc, _| acc.double());
            out.extend([base, base + Scalar::ONE, -base, base * Scalar::from(32u64)]);
        }
        let mut all_ones = [0xffu8; 64];
        out.push(scalar(all_ones));
        all_ones[0] = 0x7f;
        out.push(scalar(all_ones));
        out.push(scalar([0x82; 64]));
        out.push(scalar([0x20; 64]));
        out
    }

    #[test]
    fn the_curve_has_a_minus_three_for_the_addition_formula() {
        assert_eq!(Tc26Gost512A::EQUATION_A, -FieldElement::from(3u64));
    }

    #[test]
    fn signed_digits_are_small_and_sum_to_the_scalar() {
        assert_eq!(FixedBaseTable::<Tc26Gost512A>::DIGITS, 86);
        for k in edge_scalars() {
            let digits = signed_digits::<Tc26Gost512A>(&k, FixedBaseTable::<Tc26Gost512A>::DIGITS);
            assert!(digits.iter().all(|d| (-32..=32).contains(d)), "{digits:?}");
            assert_eq!(value(&digits[..]), k);
        }
    }

    #[test]
    fn table_agrees_with_primeorder_on_edge_scalars() {
        for k in edge_scalars() {
            let (table, ladder) = both(&k);
            assert_eq!(table, ladder, "k = {k:?}");
        }
        assert!(bool::from(both(&Scalar::ZERO).0.is_identity()));
    }

    #[test]
    fn odd_multiples_are_g_3g_to_31g() {
        let table = FixedBaseTable::<Tc26Gost512A>::new();
        assert_eq!(table.odd_multiples().len(), 16);
        for (i, (x, y)) in table.odd_multiples().iter().enumerate() {
            let expected = both(&Scalar::from(2 * i as u64 + 1)).1;
            assert_eq!(x.to_repr(), expected.x());
            assert_eq!(y.to_repr(), expected.y());
        }
    }

    proptest! {
        // Each case runs primeorder's ladder, unoptimised in tests.
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn table_agrees_with_primeorder_on_random_scalars(bytes in any::<[u8; 64]>()) {
            let k = scalar(bytes);
            let digits = signed_digits::<Tc26Gost512A>(&k, FixedBaseTable::<Tc26Gost512A>::DIGITS);
            prop_assert_eq!(value(&digits[..]), k);
            let (table, ladder) = both(&k);
            prop_assert_eq!(table, ladder);
        }
    }
}

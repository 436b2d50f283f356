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
//!   are the same for every k; the sign is applied with `conditional_select`;
//! - the additions are the complete formulas of Renes–Costello–Batina 2015
//!   (Algorithm 5, mixed addition for a = −3, as in primeorder), which have no
//!   exceptional cases: the empty sum at the start and equal points go
//!   through the same instructions as any other; a zero digit (no entry)
//!   computes the sum anyway and keeps the old value with
//!   `conditional_select`;
//! - the final affine conversion inverts Z with crypto-bigint's
//!   constant-time safegcd.

use elliptic_curve::bigint::Word;
use elliptic_curve::group::Group;
use elliptic_curve::point::{AffineCoordinates, BatchNormalize};
use elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use elliptic_curve::{Field, PrimeField};
use primeorder::{AffinePoint, PrimeCurveParams, PrimeFieldExt, ProjectivePoint};

/// Bits of k per row; also the wNAF width for which
/// [`FixedBaseTable::odd_multiples`] is the table.
pub(crate) const WINDOW: u32 = 6;
/// Multiples per row: the signed digits reach ±2^(WINDOW−1).
const ENTRIES: usize = 1 << (WINDOW - 1);

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
        let digits = signed_digits::<C>(k, Self::DIGITS);
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
                C::FieldElement::conditional_select(&sum.0, &acc.0, none),
                C::FieldElement::conditional_select(&sum.1, &acc.1, none),
                C::FieldElement::conditional_select(&sum.2, &acc.2, none),
            );
        }
        // (X : Y : Z) is (X/Z, Y/Z), or the identity for Z = 0 (k ≡ 0).
        let z_inv = acc.2.invert();
        let z_inv = Option::<C::FieldElement>::from(z_inv).unwrap_or(C::FieldElement::ZERO);
        let (x, y) = (acc.0 * z_inv, acc.1 * z_inv);
        // A point on the curve by construction; `from_coordinates` checks
        // it anyway (three multiplications), so a slip could never yield a
        // signature with a wrong r.
        Option::from(AffinePoint::<C>::from_coordinates(&x.to_repr(), &y.to_repr()))
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
    let y = C::FieldElement::conditional_select(&y, &-y, negative);
    (x, y, magnitude.ct_eq(&0))
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

/// k = Σ d_i·2^(6i) with −32 ≤ d_i ≤ 32, in constant time.
fn signed_digits<C: PrimeCurveParams>(k: &C::Scalar, digits: usize) -> Vec<i8> {
    let le = k.to_le_repr();
    let bytes: &[u8] = le.as_ref();
    // The plain 6-bit windows, 0..=63. Which bytes are read depends on i
    // only.
    let mut out: Vec<i8> = (0..digits)
        .map(|i| {
            let bit = i * WINDOW as usize;
            let low = bytes.get(bit / 8).copied().unwrap_or(0);
            let high = bytes.get(bit / 8 + 1).copied().unwrap_or(0);
            let window = (u16::from(low) | (u16::from(high) << 8)) >> (bit % 8);
            (window & 0x3f) as i8
        })
        .collect();
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
    use crate::crypto::gost::curves::tc26_512a::{Scalar, Tc26Gost512A};
    use elliptic_curve::ops::Reduce;

    /// Σ d_i·2^(6i) mod q, computed with scalar arithmetic.
    fn value(digits: &[i8]) -> Scalar {
        let radix = Scalar::from(64u64);
        digits.iter().rev().fold(Scalar::ZERO, |acc, &d| {
            let magnitude = Scalar::from(u64::from(d.unsigned_abs()));
            acc * radix + if d < 0 { -magnitude } else { magnitude }
        })
    }

    #[test]
    fn signed_digits_are_small_and_sum_to_the_scalar() {
        let table_digits = FixedBaseTable::<Tc26Gost512A>::DIGITS;
        assert_eq!(table_digits, 86);
        let mut scalars = vec![Scalar::ZERO, Scalar::ONE, -Scalar::ONE, Scalar::from(32u64)];
        for seed in 0u8..64 {
            let bytes = [seed.wrapping_mul(37) ^ 0xA5; 64].map(|b| b ^ seed);
            scalars.push(<Scalar as Reduce<elliptic_curve::FieldBytes<Tc26Gost512A>>>::reduce(
                &bytes.into(),
            ));
        }
        for k in scalars {
            let digits = signed_digits::<Tc26Gost512A>(&k, table_digits);
            assert!(digits.iter().all(|d| (-32..=32).contains(d)), "{digits:?}");
            assert_eq!(value(&digits), k);
        }
    }
}

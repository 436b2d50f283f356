//! Montgomery arithmetic for primes of the form p = R − c, where R = 2^(w·N)
//! (N words of w bits) and c is a single small odd word: the base fields of
//! both curves NCA uses, TC26-512-A (p = 2^512 − 569) and CryptoPro-A
//! (p = 2^256 − 617).
//!
//! Why it exists: primefield keeps field elements in Montgomery form
//! (x·R mod p) and multiplies them with crypto-bigint's generic Montgomery
//! multiplication, which for N words spends N² word products on reduction
//! and puts an optimisation barrier on every word of every addition (its way
//! of staying constant-time): a 512-bit multiplication took about 80 ns and
//! an addition 16 on the development machine (50 and 7 here). With
//! p = R − c, each of the N reduction steps needs one word product by c
//! instead of N, and the additions need no per-word barriers: the result is
//! the same Montgomery form, so primefield keeps doing everything else
//! (encoding, constants, inversion, square roots) and primeorder's point
//! formulas run unchanged on top. The values are those of crypto-bigint's
//! arithmetic exactly; the tests compare both on random and edge inputs.
//!
//! Constant time: every function here is straight-line code over all N words
//! (no branch and no memory index depends on a value), built from word
//! additions with carry, word products (constant time on the CPUs qoltanba
//! ships to) and one final selection through `subtle`, whose `Choice` is
//! opaque to the optimiser.
//!
//! Inputs and outputs are fully reduced (in 0..p), as primefield stores them.

use elliptic_curve::subtle::{Choice, ConditionallySelectable};

/// A machine word of crypto-bigint (`u64` on 64-bit targets, `u32` on
/// 32-bit ones such as armv7 Android) and the word operations the arithmetic
/// is built from. Implemented for both so that the tests can check the
/// 32-bit arithmetic on a 64-bit machine too.
pub(crate) trait Limb: Copy + Default + ConditionallySelectable {
    const ZERO: Self;
    /// `a + b + carry` as (sum, carry out); carries are 0 or 1.
    fn adc(a: Self, b: Self, carry: Self) -> (Self, Self);
    /// `a − b − borrow` as (difference, borrow out); borrows are 0 or 1.
    fn sbb(a: Self, b: Self, borrow: Self) -> (Self, Self);
    /// `a·b + x + y` as (low, high) words; cannot overflow two words:
    /// (2^w − 1)² + 2(2^w − 1) = 2^2w − 1.
    fn mac(a: Self, b: Self, x: Self, y: Self) -> (Self, Self);
    /// `a·b mod 2^w`.
    fn mul_low(a: Self, b: Self) -> Self;
    /// `c^-1 mod 2^w` for odd `c` (a public constant: variable time is fine).
    fn inverse_mod_word(c: Self) -> Self;
    /// The lowest bit, for a `Choice` (only ever called on 0 or 1).
    fn low_bit(self) -> u8;
}

macro_rules! impl_limb {
    ($word:ty, $wide:ty) => {
        impl Limb for $word {
            const ZERO: Self = 0;

            #[inline(always)]
            fn adc(a: Self, b: Self, carry: Self) -> (Self, Self) {
                let sum = <$wide>::from(a) + <$wide>::from(b) + <$wide>::from(carry);
                (sum as $word, (sum >> <$word>::BITS) as $word)
            }

            #[inline(always)]
            fn sbb(a: Self, b: Self, borrow: Self) -> (Self, Self) {
                let (d1, o1) = a.overflowing_sub(b);
                let (d2, o2) = d1.overflowing_sub(borrow);
                (d2, <$word>::from(o1 | o2))
            }

            #[inline(always)]
            fn mac(a: Self, b: Self, x: Self, y: Self) -> (Self, Self) {
                let t = <$wide>::from(a) * <$wide>::from(b) + <$wide>::from(x) + <$wide>::from(y);
                (t as $word, (t >> <$word>::BITS) as $word)
            }

            #[inline(always)]
            fn mul_low(a: Self, b: Self) -> Self {
                a.wrapping_mul(b)
            }

            #[inline(always)]
            fn inverse_mod_word(c: Self) -> Self {
                debug_assert!(c & 1 == 1, "c must be odd");
                // Newton's iteration x ← x(2 − cx) doubles the number of
                // correct low bits; x = c is right to 3 bits (c² ≡ 1 mod 8).
                let mut x = c;
                let mut bits = 3;
                while bits < <$word>::BITS {
                    x = x.wrapping_mul((2 as $word).wrapping_sub(c.wrapping_mul(x)));
                    bits *= 2;
                }
                x
            }

            #[inline(always)]
            fn low_bit(self) -> u8 {
                (self & 1) as u8
            }
        }
    };
}

impl_limb!(u32, u64);
impl_limb!(u64, u128);

/// `s` if `r_ge_p` is 0, else `s + c mod R`: the last step of every
/// operation. When the true result r (= `top`·R + s, below 2p) is at least
/// p, r − p = r − R + c, which is s + c with the carry into R dropped; and
/// when `top` is 0, s ≥ p exactly when s + c carries into R.
#[inline(always)]
fn subtract_p_if_needed<W: Limb, const N: usize>(s: &[W; N], top: W, c: W) -> [W; N] {
    let mut reduced = [W::ZERO; N];
    let mut carry = W::ZERO;
    let mut addend = c;
    for i in 0..N {
        (reduced[i], carry) = W::adc(s[i], addend, carry);
        addend = W::ZERO;
    }
    // top and carry are each 0 or 1; r ≥ p when either is set.
    let r_ge_p = Choice::from(top.low_bit() | carry.low_bit());
    let mut out = [W::ZERO; N];
    for i in 0..N {
        out[i] = W::conditional_select(&s[i], &reduced[i], r_ge_p);
    }
    out
}

/// (a + b) mod p.
#[inline]
pub(crate) fn add<W: Limb, const N: usize>(a: &[W; N], b: &[W; N], c: W) -> [W; N] {
    let mut s = [W::ZERO; N];
    let mut carry = W::ZERO;
    for i in 0..N {
        (s[i], carry) = W::adc(a[i], b[i], carry);
    }
    // a + b < 2p: one conditional subtraction of p reduces it.
    subtract_p_if_needed(&s, carry, c)
}

/// (a − b) mod p.
#[inline]
pub(crate) fn sub<W: Limb, const N: usize>(a: &[W; N], b: &[W; N], c: W) -> [W; N] {
    let mut s = [W::ZERO; N];
    let mut borrow = W::ZERO;
    for i in 0..N {
        (s[i], borrow) = W::sbb(a[i], b[i], borrow);
    }
    // On a borrow s = a − b + R, and the answer a − b + p is s − c (never
    // negative, as a − b + p > 0).
    let mut wrapped = [W::ZERO; N];
    let mut borrow_c = W::ZERO;
    let mut subtrahend = c;
    for i in 0..N {
        (wrapped[i], borrow_c) = W::sbb(s[i], subtrahend, borrow_c);
        subtrahend = W::ZERO;
    }
    let negative = Choice::from(borrow.low_bit());
    let mut out = [W::ZERO; N];
    for i in 0..N {
        out[i] = W::conditional_select(&s[i], &wrapped[i], negative);
    }
    out
}

/// (−a) mod p.
#[inline]
pub(crate) fn neg<W: Limb, const N: usize>(a: &[W; N], c: W) -> [W; N] {
    sub(&[W::ZERO; N], a, c)
}

/// The most words a field element has here: 512 bits in 32-bit words. The
/// double-width products live in a buffer of twice this size (const
/// generics cannot yet say 2·N).
const MAX_WORDS: usize = 16;

/// The Montgomery product a·b·R⁻¹ mod p.
///
/// First the full product T = a·b = H·R + L (schoolbook, 2N words). Then
/// Montgomery reduction: find U < R with U·p ≡ −T (mod R), so that
/// (T + U·p)/R is an integer ≡ T·R⁻¹ (mod p) and below 2p. As p = R − c,
/// U·p ≡ −U·c (mod R), so U is L·c⁻¹ mod R, found word by word: each word of
/// U costs one product by c⁻¹ and one by c (instead of N by the words of p),
/// and the same loop yields k = (U·c − L)/R, a number below c + 1. Then
/// (T + U·p)/R = (H·R + L + U·R − U·c)/R = H + U − k.
#[inline]
pub(crate) fn mul<W: Limb, const N: usize>(a: &[W; N], b: &[W; N], c: W) -> [W; N] {
    const { assert!(N <= MAX_WORDS) };
    let mut t = [W::ZERO; 2 * MAX_WORDS];
    for i in 0..N {
        let mut carry = W::ZERO;
        for j in 0..N {
            (t[i + j], carry) = W::mac(a[i], b[j], t[i + j], carry);
        }
        // Word i + N, not written before.
        t[i + N] = carry;
    }
    reduce(&t, c)
}

/// a² · R⁻¹ mod p (see [`mul`]); the cross products a_i·a_j (i < j) are
/// computed once and doubled.
#[inline]
pub(crate) fn square<W: Limb, const N: usize>(a: &[W; N], c: W) -> [W; N] {
    const { assert!(N <= MAX_WORDS) };
    let mut t = [W::ZERO; 2 * MAX_WORDS];
    // The cross products, each once: Σ_{i<j} a_i·a_j·2^(w(i+j)).
    for i in 0..N {
        let mut carry = W::ZERO;
        for j in (i + 1)..N {
            (t[i + j], carry) = W::mac(a[i], a[j], t[i + j], carry);
        }
        // Word i + N, not written before.
        t[i + N] = carry;
    }
    // Double them (a one-bit shift across all 2N words)...
    let mut top = W::ZERO;
    for word in &mut t[..2 * N] {
        (*word, top) = W::adc(*word, *word, top);
    }
    // ...and add the squares a_i² at word 2i (the total a² < R², so no
    // carry leaves the top word).
    let mut carry = W::ZERO;
    for i in 0..N {
        let (sq_lo, sq_hi) = W::mac(a[i], a[i], W::ZERO, W::ZERO);
        (t[2 * i], carry) = W::adc(t[2 * i], sq_lo, carry);
        (t[2 * i + 1], carry) = W::adc(t[2 * i + 1], sq_hi, carry);
    }
    reduce(&t, c)
}

/// T·R⁻¹ mod p for T = H·R + L < p·R, given as the 2N low words of `t`
/// (L first); see [`mul`].
#[inline(always)]
fn reduce<W: Limb, const N: usize>(t: &[W; 2 * MAX_WORDS], c: W) -> [W; N] {
    let (lo, hi) = (&t[..N], &t[N..2 * N]);
    let c_inv = W::inverse_mod_word(c);
    // U word by word. `k` carries what U·c has taken from the words of L
    // above the current one: after word i, the value L − (U mod 2^(w(i+1)))·c
    // equals −k·2^(w(i+1)) plus the untouched higher words of L.
    let mut u = [W::ZERO; N];
    let mut k = W::ZERO;
    for i in 0..N {
        // l = (word i of L − k) mod 2^w, and whether that wrapped.
        let (l, wrapped) = W::sbb(lo[i], k, W::ZERO);
        // u_i·c ≡ l (mod 2^w), so the low word of u_i·c cancels l exactly...
        u[i] = W::mul_low(l, c_inv);
        let (_cancelled, uc_high) = W::mac(u[i], c, W::ZERO, W::ZERO);
        // ...and the next word owes its high word plus the wrap (≤ c).
        (k, _) = W::adc(uc_high, wrapped, W::ZERO);
    }
    // r = H + U − k, below 2p.
    let mut s = [W::ZERO; N];
    let mut carry = W::ZERO;
    for i in 0..N {
        (s[i], carry) = W::adc(hi[i], u[i], carry);
    }
    let mut borrow = W::ZERO;
    let mut subtrahend = k;
    for word in &mut s {
        (*word, borrow) = W::sbb(*word, subtrahend, borrow);
        subtrahend = W::ZERO;
    }
    // r ≥ 0, so a borrow here only takes back the carry above R.
    let (top, _) = W::sbb(carry, borrow, W::ZERO);
    subtract_p_if_needed(&s, top, c)
}

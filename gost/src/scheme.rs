//! The GOST R 34.10-2012 signature scheme (§6.1 signing, §6.2 verification),
//! generic over the curve. GOST 34.310-2004 is the same scheme on a 256-bit
//! curve. Inputs here are integers (the digest already reduced to `e`); hashes
//! and byte orders live in the callers.

use elliptic_curve::ff::{Field, PrimeField};
use elliptic_curve::ops::{Invert, LinearCombination, Reduce};
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::subtle::ConditionallySelectable;
use elliptic_curve::{FieldBytes, Scalar};
use primeorder::{AffinePoint, PrimeCurveParams, ProjectivePoint};

/// `r` of a signature: the x-coordinate of `point`, reduced mod q.
fn x_mod_q<C: PrimeCurveParams>(point: &AffinePoint<C>) -> Scalar<C> {
    <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&point.x())
}

/// `e`: the digest read as an integer (big-endian here; the Kazakh byte
/// order is handled by the caller), reduced mod q, and 1 if that is 0
/// (§6.1 step 2).
pub fn digest_scalar<C: PrimeCurveParams>(digest_be: &FieldBytes<C>) -> Scalar<C> {
    let e = <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(digest_be);
    Scalar::<C>::conditional_select(&e, &Scalar::<C>::ONE, e.is_zero())
}

/// The scheme on one curve, as callers use it. Implemented for each curve in
/// curves.rs with bodies that name the curve, so the whole computation is
/// compiled in this crate at its optimisation level (a generic function would
/// be compiled in the crate that calls it; see the README).
pub trait GostCurve: PrimeCurveParams {
    /// The public key of private key `d`: Q = d·P, in constant time.
    fn public_point(d: &Scalar<Self>) -> AffinePoint<Self>;

    /// Sign `e` with private key `d` and nonce `k` (§6.1 steps 3–6), in
    /// constant time in `d` and `k`. `None` when `r` or `s` comes out zero;
    /// the caller then draws another nonce.
    fn sign_with_nonce(
        d: &Scalar<Self>,
        e: &Scalar<Self>,
        k: &Scalar<Self>,
    ) -> Option<(Scalar<Self>, Scalar<Self>)>;

    /// Whether (r, s) is a signature of `e` under public key `q` (§6.2), in
    /// variable time (all public). `r` and `s` must already be known to lie
    /// in 1..q-1 (see [`scalar_in_range`]).
    fn verify(q: &AffinePoint<Self>, e: &Scalar<Self>, r: &Scalar<Self>, s: &Scalar<Self>) -> bool;
}

/// The scheme's two scalar multiplications, per curve. The defaults are
/// primeorder's generic ones; TC26-512-A, the curve that signs, overrides both
/// (curves.rs, `backend: fixed_base`): k·G from a table of multiples of G
/// ([`crate::fixed_base`]) and a·G + b·P in Jacobian coordinates
/// ([`crate::joint`]).
pub(crate) trait GostArithmetic: PrimeCurveParams {
    /// k·G in affine form, in constant time: k is a private key or a nonce.
    /// The default is primeorder's fixed-window ladder (constant-time table
    /// lookups, complete addition formulas) and constant-time inversion.
    fn mul_by_generator(k: &Scalar<Self>) -> AffinePoint<Self> {
        (ProjectivePoint::<Self>::GENERATOR * k).to_affine()
    }

    /// a·G + b·P in affine form, in variable time: only for public inputs.
    /// The default is primeorder's interleaved wNAF.
    fn lincomb_vartime(
        a: &Scalar<Self>,
        b: &Scalar<Self>,
        p: &AffinePoint<Self>,
    ) -> AffinePoint<Self> {
        ProjectivePoint::<Self>::lincomb_vartime(&[
            (ProjectivePoint::<Self>::GENERATOR, *a),
            (ProjectivePoint::<Self>::from(*p), *b),
        ])
        .to_affine()
    }
}

/// Sign `e` with private key `d` and nonce `k` (§6.1 steps 3–6). `None` when
/// `r` or `s` comes out zero; the caller then draws another nonce.
///
/// Constant time in `d` and `k`: k·G is [`GostArithmetic::mul_by_generator`]
/// and the scalar arithmetic Montgomery-form crypto-bigint, both free of
/// secret-dependent branches.
pub(crate) fn sign_with_nonce<C: GostArithmetic>(
    d: &Scalar<C>,
    e: &Scalar<C>,
    k: &Scalar<C>,
) -> Option<(Scalar<C>, Scalar<C>)> {
    let point = C::mul_by_generator(k);
    let r = x_mod_q::<C>(&point);
    let s = r * d + *k * e;
    // Rejection only reveals that a nonce was discarded, which happens with
    // probability ~2^-250 and says nothing about d.
    if bool::from(r.is_zero() | s.is_zero()) {
        return None;
    }
    Some((r, s))
}

/// Verify (r, s) over `e` against public key `q_point` (§6.2). Public inputs
/// only, so variable time is fine. `r` and `s` must already be known to lie
/// in 1..q-1 (see [`scalar_in_range`]).
pub(crate) fn verify<C: GostArithmetic>(
    q_point: &AffinePoint<C>,
    e: &Scalar<C>,
    r: &Scalar<C>,
    s: &Scalar<C>,
) -> bool {
    if bool::from(r.is_zero() | s.is_zero()) {
        return false;
    }
    let v = Option::<Scalar<C>>::from(e.invert_vartime()).expect("e is never zero");
    let z1 = *s * v;
    let z2 = -(*r * v);
    let c = C::lincomb_vartime(&z1, &z2, q_point);
    if bool::from(c.is_identity()) {
        return false;
    }
    x_mod_q::<C>(&c) == *r
}

/// The public key of private key `d`: Q = d·P, in constant time.
pub(crate) fn public_point<C: GostArithmetic>(d: &Scalar<C>) -> AffinePoint<C> {
    C::mul_by_generator(d)
}

/// A big-endian integer as a scalar, if it lies in 1..q-1.
pub fn scalar_in_range<C: PrimeCurveParams>(be: &FieldBytes<C>) -> Option<Scalar<C>> {
    Option::<Scalar<C>>::from(Scalar::<C>::from_repr(*be)).filter(|s| !bool::from(s.is_zero()))
}

#[cfg(test)]
mod tests {
    //! The worked examples of GOST R 34.10-2012 Appendix A (= RFC 7091 §7).
    //! The standard gives e directly, so these check the scheme's arithmetic
    //! independently of hashes and byte orders.

    use super::*;
    use crate::curves::{example_256::Example256, example_512::Example512};
    use elliptic_curve::Curve;
    use hex_literal::hex;

    fn be<C: Curve>(bytes: &[u8]) -> FieldBytes<C> {
        FieldBytes::<C>::try_from(bytes).unwrap()
    }

    fn example<C: GostArithmetic>(
        d: &[u8],
        qx: &[u8],
        qy: &[u8],
        e: &[u8],
        k: &[u8],
        r: &[u8],
        s: &[u8],
    ) {
        let d = scalar_in_range::<C>(&be::<C>(d)).unwrap();
        let e = digest_scalar::<C>(&be::<C>(e));
        let k = scalar_in_range::<C>(&be::<C>(k)).unwrap();
        let q = public_point::<C>(&d);
        assert_eq!(q.x(), be::<C>(qx), "public key x");
        assert_eq!(q.y(), be::<C>(qy), "public key y");
        let (sig_r, sig_s) = sign_with_nonce::<C>(&d, &e, &k).unwrap();
        assert_eq!(sig_r.to_repr(), be::<C>(r), "r");
        assert_eq!(sig_s.to_repr(), be::<C>(s), "s");
        assert!(verify::<C>(&q, &e, &sig_r, &sig_s));
        // Any change to e, r or s breaks it.
        assert!(!verify::<C>(&q, &(e + Scalar::<C>::ONE), &sig_r, &sig_s));
        assert!(!verify::<C>(&q, &e, &(sig_r + Scalar::<C>::ONE), &sig_s));
        assert!(!verify::<C>(&q, &e, &sig_r, &(sig_s + Scalar::<C>::ONE)));
        assert!(!verify::<C>(&q, &e, &Scalar::<C>::ZERO, &sig_s));
    }

    #[test]
    fn standard_example_256() {
        example::<Example256>(
            &hex!("7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28"),
            &hex!("7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B"),
            &hex!("26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA"),
            &hex!("2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5"),
            &hex!("77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3"),
            &hex!("41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493"),
            &hex!("01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40"),
        );
    }

    #[test]
    fn standard_example_512() {
        example::<Example512>(
            &hex!(
                "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B1020"
                "72E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4"
            ),
            &hex!(
                "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD"
                "5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1"
            ),
            &hex!(
                "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61"
                "EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC"
            ),
            &hex!(
                "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C591"
                "7184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C"
            ),
            &hex!(
                "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F3658"
                "86748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1"
            ),
            &hex!(
                "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD3"
                "5492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36"
            ),
            &hex!(
                "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5"
                "823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A"
            ),
        );
    }

    #[test]
    fn out_of_range_scalars_are_refused() {
        use crate::curves::tc26_512a::Tc26Gost512A;
        let zero = FieldBytes::<Tc26Gost512A>::default();
        assert!(scalar_in_range::<Tc26Gost512A>(&zero).is_none());
        let q = Tc26Gost512A::ORDER.as_ref().to_be_bytes();
        let q = be::<Tc26Gost512A>(q.as_ref());
        assert!(scalar_in_range::<Tc26Gost512A>(&q).is_none());
        let all_ones = be::<Tc26Gost512A>(&[0xFF; 64]);
        assert!(scalar_in_range::<Tc26Gost512A>(&all_ones).is_none());
    }

    /// §6.2 as the standard writes it, on primeorder's plain scalar
    /// multiplications: the reference for the joint path.
    fn verify_plain<C: GostArithmetic>(
        q: &AffinePoint<C>,
        e: &Scalar<C>,
        r: &Scalar<C>,
        s: &Scalar<C>,
    ) -> bool {
        let v = Field::invert(e).unwrap();
        let (z1, z2) = (*s * v, -(*r * v));
        let c = (ProjectivePoint::<C>::GENERATOR * z1 + ProjectivePoint::<C>::from(*q) * z2)
            .to_affine();
        !bool::from(c.is_identity()) && x_mod_q::<C>(&c) == *r
    }

    mod tc26 {
        use super::*;
        use crate::curves::tc26_512a::{Scalar, Tc26Gost512A};
        use proptest::prelude::*;

        fn scalar(bytes: [u8; 64]) -> Scalar {
            <Scalar as Reduce<FieldBytes<Tc26Gost512A>>>::reduce(&bytes.into())
        }

        proptest! {
            // Each case runs primeorder's ladder a dozen times, unoptimised.
            #![proptest_config(ProptestConfig::with_cases(16))]

            /// TC26-512-A verifies through the joint path (`joint`); the
            /// plain path must say the same of valid signatures and of
            /// every kind of invalid one.
            #[test]
            fn joint_verification_agrees_with_plain_verification(
                d in any::<[u8; 64]>(),
                k in any::<[u8; 64]>(),
                digest in any::<[u8; 64]>(),
            ) {
                type C = Tc26Gost512A;
                let (d, k) = (scalar(d), scalar(k));
                prop_assume!(!bool::from(d.is_zero() | k.is_zero()));
                let e = digest_scalar::<C>(&digest.into());
                let q = public_point::<C>(&d);
                let (r, s) = sign_with_nonce::<C>(&d, &e, &k).unwrap();
                prop_assert!(verify::<C>(&q, &e, &r, &s));
                prop_assert!(verify_plain::<C>(&q, &e, &r, &s));
                let one = Scalar::ONE;
                let wrong_key = public_point::<C>(&(d + one));
                let invalid = [
                    (q, e + one, r, s),
                    (q, e, r + one, s),
                    (q, e, r, s + one),
                    (q, e, s, r),
                    (q, e, -r, -s),
                    (wrong_key, e, r, s),
                ];
                for (q, e, r, s) in invalid {
                    let joint = verify::<C>(&q, &e, &r, &s);
                    prop_assert_eq!(joint, verify_plain::<C>(&q, &e, &r, &s));
                    prop_assert!(!joint);
                }
            }
        }
    }
}

//! IIN and BIN: Kazakhstan's 12-digit identification numbers.
//!
//! A certificate's IIN is reported with its validity rather than rejected:
//! NCA's own test certificates carry the fake 123456789011, and a citizen must
//! still be able to see such a key.

use time::{Date, Month};

/// Which person or entity number a certificate carries, with what the
/// checks found. Parsing never fails: a number that does not check out is
/// reported as such.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iin {
    digits: String,
    problem: Option<IdNumberProblem>,
    birth_date: Option<Date>,
    sex: Option<Sex>,
}

/// A legal entity's Business Identification Number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bin {
    digits: String,
    problem: Option<IdNumberProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// Why a 12-digit number is not a valid IIN or BIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IdNumberProblem {
    #[error("it is not 12 digits")]
    NotTwelveDigits,
    #[error("its control digit does not match")]
    ControlDigit,
    #[error("its control digit cannot be computed (both weightings give 10)")]
    NoControlDigit,
    #[error("its birth date is not a real date")]
    BirthDate,
    #[error("its registration month (digits 3-4) is not 01-12")]
    RegistrationDate,
    #[error("its century/sex digit is not 1-6")]
    CenturyDigit,
}

impl Iin {
    /// Read an IIN from its 12 digits, checking control digit and birth date.
    pub fn new(digits: &str) -> Self {
        let digits = digits.trim().to_string();
        let mut iin = Self {
            digits,
            problem: None,
            birth_date: None,
            sex: None,
        };
        let Some(d) = twelve_digits(&iin.digits) else {
            iin.problem = Some(IdNumberProblem::NotTwelveDigits);
            return iin;
        };
        // Century and sex first, so a wrong date is reported as such.
        let (century, sex) = match d[6] {
            1 => (1800, Sex::Male),
            2 => (1800, Sex::Female),
            3 => (1900, Sex::Male),
            4 => (1900, Sex::Female),
            5 => (2000, Sex::Male),
            6 => (2000, Sex::Female),
            _ => {
                iin.problem = Some(IdNumberProblem::CenturyDigit);
                return iin;
            }
        };
        let year = century + i32::from(d[0] * 10 + d[1]);
        let month = Month::try_from(d[2] * 10 + d[3]).ok();
        let day = d[4] * 10 + d[5];
        let date = month.and_then(|m| Date::from_calendar_date(year, m, day).ok());
        let Some(date) = date else {
            iin.problem = Some(IdNumberProblem::BirthDate);
            return iin;
        };
        if let Err(p) = check_control_digit(&d) {
            iin.problem = Some(p);
            return iin;
        }
        iin.birth_date = Some(date);
        iin.sex = Some(sex);
        iin
    }

    pub fn digits(&self) -> &str {
        &self.digits
    }
    pub fn is_valid(&self) -> bool {
        self.problem.is_none()
    }
    /// Why the number is not a valid IIN, if it is not.
    pub fn problem(&self) -> Option<IdNumberProblem> {
        self.problem
    }
    pub fn birth_date(&self) -> Option<Date> {
        self.birth_date
    }
    pub fn sex(&self) -> Option<Sex> {
        self.sex
    }
}

impl Bin {
    /// Read a BIN from its 12 digits, checking its control digit and the
    /// registration month (digits 3-4).
    pub fn new(digits: &str) -> Self {
        let digits = digits.trim().to_string();
        let problem = match twelve_digits(&digits) {
            None => Some(IdNumberProblem::NotTwelveDigits),
            Some(d) if !(1..=12).contains(&(d[2] * 10 + d[3])) => {
                Some(IdNumberProblem::RegistrationDate)
            }
            Some(d) => check_control_digit(&d).err(),
        };
        Self { digits, problem }
    }
    pub fn digits(&self) -> &str {
        &self.digits
    }
    pub fn is_valid(&self) -> bool {
        self.problem.is_none()
    }
    pub fn problem(&self) -> Option<IdNumberProblem> {
        self.problem
    }
}

impl std::fmt::Display for Iin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.digits)
    }
}

impl std::fmt::Display for Bin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.digits)
    }
}

fn twelve_digits(s: &str) -> Option<[u8; 12]> {
    let bytes = s.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut d = [0u8; 12];
    for (out, b) in d.iter_mut().zip(bytes) {
        *out = b - b'0';
    }
    Some(d)
}

/// The control digit rule shared by IIN and BIN: weights 1..11 mod 11; if that
/// gives 10, weights 3..11,1,2; if 10 again the number cannot be valid.
fn check_control_digit(d: &[u8; 12]) -> Result<(), IdNumberProblem> {
    const FIRST: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let weigh = |w: &[u32; 11]| {
        d[..11]
            .iter()
            .zip(w)
            .map(|(digit, weight)| u32::from(*digit) * weight)
            .sum::<u32>()
            % 11
    };
    let mut control = weigh(&FIRST);
    if control == 10 {
        control = weigh(&SECOND);
        if control == 10 {
            return Err(IdNumberProblem::NoControlDigit);
        }
    }
    if control == u32::from(d[11]) {
        Ok(())
    } else {
        Err(IdNumberProblem::ControlDigit)
    }
}

/// Append the right control digit to 11 digits, if one exists. Used by tests
/// and by the reference server to make valid test citizens.
pub fn with_control_digit(first_eleven: &str) -> Option<String> {
    let candidate = format!("{first_eleven}0");
    let d = twelve_digits(&candidate)?;
    (0..=9u8).find_map(|c| {
        let mut dd = d;
        dd[11] = c;
        check_control_digit(&dd)
            .ok()
            .map(|()| format!("{first_eleven}{c}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nca_test_iin_is_reported_invalid() {
        let iin = Iin::new("123456789011");
        assert!(!iin.is_valid());
        // 12-34-56: month 34 does not exist.
        assert_eq!(iin.problem(), Some(IdNumberProblem::CenturyDigit));
    }

    #[test]
    fn valid_iin_with_birth_date_and_sex() {
        // Born 1990-03-15, male, 1900s (digit 3), serial 0123.
        let iin = Iin::new(&with_control_digit("90031530123").unwrap());
        assert!(iin.is_valid(), "{:?}", iin.problem());
        assert_eq!(
            iin.birth_date(),
            Some(Date::from_calendar_date(1990, Month::March, 15).unwrap())
        );
        assert_eq!(iin.sex(), Some(Sex::Male));
    }

    #[test]
    fn second_weighting_is_used() {
        // 9001013008x: weights 1..11 give 10, weights 3..11,1,2 give 1.
        assert!(Iin::new("900101300811").is_valid());
        assert_eq!(
            Iin::new("900101300810").problem(),
            Some(IdNumberProblem::ControlDigit)
        );
        // 9001013008 0x: both weightings give 10, so no digit can be right.
        assert_eq!(with_control_digit("90010130080"), None);
        assert_eq!(
            Iin::new("900101300800").problem(),
            Some(IdNumberProblem::NoControlDigit)
        );
    }

    #[test]
    fn wrong_control_digit_and_bad_dates() {
        let good = with_control_digit("90031530123").unwrap();
        let last = good.as_bytes()[11] - b'0';
        let bad = format!("{}{}", &good[..11], (last + 1) % 10);
        assert_eq!(
            Iin::new(&bad).problem(),
            Some(IdNumberProblem::ControlDigit)
        );
        assert_eq!(
            Iin::new("900230300000").problem(),
            Some(IdNumberProblem::BirthDate)
        );
        assert_eq!(
            Iin::new("12345").problem(),
            Some(IdNumberProblem::NotTwelveDigits)
        );
        assert_eq!(
            Iin::new("9003153012a3").problem(),
            Some(IdNumberProblem::NotTwelveDigits)
        );
    }

    #[test]
    fn bin_rule() {
        let bin = Bin::new(&with_control_digit("04054000123").unwrap());
        assert!(bin.is_valid(), "{:?}", bin.problem());
        // The NCA test CEO certificate's BIN: month 34 does not exist.
        assert_eq!(
            Bin::new("123456789021").problem(),
            Some(IdNumberProblem::RegistrationDate)
        );
        assert_eq!(
            Bin::new("12010000000x").problem(),
            Some(IdNumberProblem::NotTwelveDigits)
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_control_digit_roundtrips(s in "[0-9]{11}") {
            let _ = Iin::new(&s);
            if let Some(full) = with_control_digit(&s) {
                prop_assert!(Bin::new(&full).problem() != Some(IdNumberProblem::ControlDigit));
            }
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,20}") {
            let _ = Iin::new(&s);
            let _ = Bin::new(&s);
        }
    }
}

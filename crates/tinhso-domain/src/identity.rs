//! Citizen identity input: how a citizen signs up and proves who they are.
//!
//! - [`LoginIdentifier`]: a Vietnamese mobile number ([`PhoneNumber`]) or an e-mail address
//!   ([`EmailAddress`]), normalized so one person has one spelling (`+84 912.345.678` and
//!   `0912345678` are the same account).
//! - [`check_password`]: the password policy.
//! - [`PersonalIdNumber`]: the 12-digit personal ID number (số định danh cá nhân, printed on the
//!   căn cước card), with the structure of TT 59/2021/TT-BCA art. 7.
//! - [`EidLevel`]: e-ID account level 1 (registered) or 2 (identity verified), NĐ 69/2024
//!   (domain.md §1 and §7).
//!
//! Pure: values in, values out. Errors name what is wrong, never echo the input (it is
//! personal data).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What is wrong with a piece of identity input. Each variant is a stable code the web layer
/// maps to a localized message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityInputError {
    #[error("số điện thoại di động không hợp lệ / not a Vietnamese mobile number")]
    InvalidPhone,
    #[error("địa chỉ thư điện tử không hợp lệ / not a valid e-mail address")]
    InvalidEmail,
    #[error("số định danh cá nhân phải gồm 12 chữ số / the personal ID number has 12 digits")]
    InvalidIdNumber,
    #[error("số định danh cá nhân không khớp năm sinh / the personal ID number does not match the year of birth")]
    IdNumberBirthMismatch,
    #[error("mật khẩu yếu: {0} / weak password: {0}")]
    WeakPassword(PasswordProblem),
}

// ---------------------------------------------------------------------------------------------
// Phone and e-mail

/// A Vietnamese mobile number, normalized to ten digits starting with `0`
/// (`0[35789]xxxxxxxx`: the mobile prefixes 03x, 05x, 07x, 08x, 09x since the 2018 renumbering).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `0912345678`, `0912 345 678`, `0912.345.678`, `+84912345678`, `84912345678`.
    pub fn parse(input: &str) -> Result<Self, IdentityInputError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let national = if let Some(rest) = compact.strip_prefix("+84") {
            format!("0{rest}")
        } else if compact.len() == 11 && compact.starts_with("84") {
            format!("0{}", &compact[2..])
        } else {
            compact
        };
        let b = national.as_bytes();
        let ok = b.len() == 10
            && b[0] == b'0'
            && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9')
            && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(national))
        } else {
            Err(IdentityInputError::InvalidPhone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `09******78`: enough for a person to recognise their number, for pages and messages.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..2], &self.0[8..])
    }
}

/// An e-mail address, trimmed and lower-cased (addresses are case-insensitive in practice).
/// The check is deliberately plain: one `@`, a local part, a domain with a dot, no spaces or
/// control characters, at most 254 characters (RFC 5321).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, IdentityInputError> {
        let s = input.trim().to_lowercase();
        let bad = || IdentityInputError::InvalidEmail;
        if s.is_empty() || s.len() > 254 {
            return Err(bad());
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.len() <= 253
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && !local.contains(['<', '>', '"', ',', ';', '\\', '(', ')', '[', ']']);
        if domain_ok && local_ok {
            Ok(Self(s))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `ng***@example.vn`, for pages and messages.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let shown: String = local.chars().take(2).collect();
        format!("{shown}***@{domain}")
    }
}

/// What a citizen signs in with: a mobile number or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LoginIdentifier {
    Phone(PhoneNumber),
    Email(EmailAddress),
}

impl LoginIdentifier {
    /// An input with `@` is an e-mail address, anything else a phone number.
    pub fn parse(input: &str) -> Result<Self, IdentityInputError> {
        if input.contains('@') {
            EmailAddress::parse(input).map(Self::Email)
        } else {
            PhoneNumber::parse(input).map(Self::Phone)
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Phone(p) => p.as_str(),
            Self::Email(e) => e.as_str(),
        }
    }

    pub fn masked(&self) -> String {
        match self {
            Self::Phone(p) => p.masked(),
            Self::Email(e) => e.masked(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Passwords

/// Shortest password accepted. Length is what makes a password strong; composition rules
/// ("one upper-case letter, one digit") push people to predictable patterns.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (bounds the work of hashing).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    /// Very few different characters (`aaaaaaaaaa`, `1212121212`).
    TooRepetitive,
    /// One of the passwords people choose most.
    TooCommon,
    /// Contains the phone number, e-mail name or ID number it protects.
    ContainsIdentifier,
}

impl std::fmt::Display for PasswordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::TooRepetitive => "too_repetitive",
            Self::TooCommon => "too_common",
            Self::ContainsIdentifier => "contains_identifier",
        })
    }
}

/// Passwords seen most often in leaks, and Vietnamese favourites, lower-cased. A password
/// whose lower-case form is one of these, or one of these followed by digits, is refused.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "matkhau",
    "mat khau",
    "123456",
    "qwerty",
    "qwertyuiop",
    "asdfghjkl",
    "iloveyou",
    "anhyeuem",
    "emyeuanh",
    "admin",
    "abc",
    "abcd",
    "abc123",
    "vietnam",
    "hanoi",
    "saigon",
    "dichvucong",
    "tinhso",
    "welcome",
    "letmein",
    "1q2w3e4r",
    "zxcvbnm",
];

/// Checks a new password against the policy. `identifiers` are strings the password must not
/// contain (the phone number, the e-mail's local part, the ID number, the user id).
pub fn check_password(password: &str, identifiers: &[&str]) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(PasswordProblem::TooRepetitive);
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!' || c == '@');
    let only_digits = lower.chars().all(|c| c.is_ascii_digit());
    let sequential = only_digits
        && lower
            .as_bytes()
            .windows(2)
            .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'0'));
    if sequential || stem.is_empty() || COMMON_PASSWORDS.contains(&stem) {
        return Err(PasswordProblem::TooCommon);
    }
    for id in identifiers {
        let id = id.trim().to_lowercase();
        // Short identifiers (a two-letter e-mail name) would refuse too much.
        if id.chars().count() >= 4 && lower.contains(&id) {
            return Err(PasswordProblem::ContainsIdentifier);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Personal ID number

/// Gender as encoded in the personal ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

/// The 12-digit personal ID number (số định danh cá nhân). TT 59/2021/TT-BCA art. 7:
/// digits 1–3 the province (or country) where the birth was registered, digit 4 gender and
/// century of birth (20th century: 0 male, 1 female; 21st: 2, 3; 22nd: 4, 5; …), digits 5–6
/// the last two digits of the year of birth, digits 7–12 a random number.
///
/// Personal data: never log it, never put it in a URL.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonalIdNumber(String);

impl std::fmt::Debug for PersonalIdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Debug output ends up in logs: show the structure, not the number.
        write!(f, "PersonalIdNumber({}*********)", &self.0[..3])
    }
}

impl PersonalIdNumber {
    /// Twelve digits; spaces are ignored (people copy it from the card in groups).
    pub fn parse(input: &str) -> Result<Self, IdentityInputError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(IdentityInputError::InvalidIdNumber)
        }
    }

    /// Builds a number from its parts (synthetic data, tests). `serial` is taken modulo 10⁶.
    pub fn compose(place_code: u16, gender: Gender, birth_year: i16, serial: u32) -> Self {
        let century_index = (i32::from(birth_year) / 100 - 19).clamp(0, 4);
        let digit = century_index * 2 + i32::from(gender == Gender::Female);
        Self(format!(
            "{:03}{}{:02}{:06}",
            place_code % 1000,
            digit,
            i32::from(birth_year).rem_euclid(100),
            serial % 1_000_000
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of the province (or country) where the birth was registered.
    pub fn place_code(&self) -> &str {
        &self.0[..3]
    }

    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[3] - b'0').is_multiple_of(2) {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The first year of the century encoded in digit 4 (1900, 2000, …).
    fn century_start(&self) -> i32 {
        1900 + i32::from((self.0.as_bytes()[3] - b'0') / 2) * 100
    }

    /// The year of birth the number encodes.
    pub fn birth_year(&self) -> i32 {
        self.century_start()
            + i32::from((self.0.as_bytes()[4] - b'0') * 10 + self.0.as_bytes()[5] - b'0')
    }

    /// Whether the number is consistent with a date of birth (century and year digits).
    pub fn check_birth_date(&self, born: Date) -> Result<(), IdentityInputError> {
        if self.birth_year() == i32::from(born.year()) {
            Ok(())
        } else {
            Err(IdentityInputError::IdNumberBirthMismatch)
        }
    }
}

/// The serde and text conversions of a validated string newtype with a `parse` constructor.
macro_rules! string_newtype {
    ($($name:ident),*) => {$(
        impl TryFrom<String> for $name {
            type Error = IdentityInputError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    )*};
}

string_newtype!(PhoneNumber, EmailAddress, PersonalIdNumber);

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// e-ID level

/// The level of an electronic identity account (NĐ 69/2024): level 1 holds identity
/// information the person gave; level 2 has been verified against the population data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EidLevel {
    #[serde(rename = "1")]
    Level1,
    #[serde(rename = "2")]
    Level2,
}

impl EidLevel {
    pub fn number(self) -> u8 {
        match self {
            Self::Level1 => 1,
            Self::Level2 => 2,
        }
    }

    pub fn from_number(n: i64) -> Option<Self> {
        match n {
            1 => Some(Self::Level1),
            2 => Some(Self::Level2),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn phone_numbers_are_normalized() {
        for ok in [
            "0912345678",
            "0912 345 678",
            "0912.345.678",
            "+84912345678",
            "84912345678",
            "+84 912-345-678",
        ] {
            assert_eq!(
                PhoneNumber::parse(ok).unwrap().as_str(),
                "0912345678",
                "{ok}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("0387654321").unwrap().as_str(),
            "0387654321"
        );
        for bad in [
            "",
            "091234567",
            "09123456789",
            "0212345678", // landline prefix
            "0112345678",
            "09123a5678",
            "+1 912345678",
            "０９１２３４５６７８", // full-width digits
        ] {
            assert_eq!(
                PhoneNumber::parse(bad),
                Err(IdentityInputError::InvalidPhone),
                "{bad}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("0912345678").unwrap().masked(),
            "09******78"
        );
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            EmailAddress::parse("  Nhung.Nguyen@Example.VN ")
                .unwrap()
                .as_str(),
            "nhung.nguyen@example.vn"
        );
        assert!(EmailAddress::parse("a+tag@sub.domain.vn").is_ok());
        for bad in [
            "",
            "no-at.example.vn",
            "a@b",
            "a@@b.vn",
            "a b@c.vn",
            ".a@b.vn",
            "a..b@c.vn",
            "a@-b.vn",
            "<a>@b.vn",
            "a@b..vn",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(IdentityInputError::InvalidEmail),
                "{bad}"
            );
        }
        assert_eq!(
            EmailAddress::parse("nhung@mail.vn").unwrap().masked(),
            "nh***@mail.vn"
        );
    }

    #[test]
    fn identifiers_choose_by_at_sign() {
        assert!(matches!(
            LoginIdentifier::parse("0912345678"),
            Ok(LoginIdentifier::Phone(_))
        ));
        assert!(matches!(
            LoginIdentifier::parse("a@b.vn"),
            Ok(LoginIdentifier::Email(_))
        ));
        assert_eq!(
            LoginIdentifier::parse("abc"),
            Err(IdentityInputError::InvalidPhone)
        );
    }

    #[test]
    fn password_policy() {
        assert_eq!(check_password("ngắn", &[]), Err(PasswordProblem::TooShort));
        assert_eq!(
            check_password(&"x".repeat(129), &[]),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(
            check_password("aaaaaaaaaaaa", &[]),
            Err(PasswordProblem::TooRepetitive)
        );
        assert_eq!(
            check_password("1234567890", &[]),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_password("Password2024", &[]),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_password("matkhau123456", &[]),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_password("x0912345678y", &["0912345678"]),
            Err(PasswordProblem::ContainsIdentifier)
        );
        assert_eq!(
            check_password("NhungNguyen-2026", &["nhungnguyen"]),
            Err(PasswordProblem::ContainsIdentifier)
        );
        assert!(check_password("trâu-ăn-cỏ-bên-sông", &["0912345678"]).is_ok());
        assert!(check_password("correct horse battery", &[]).is_ok());
        // Counted in characters, not bytes: ten Vietnamese letters are enough.
        assert!(check_password("đường-về-ả", &[]).is_ok());
    }

    #[test]
    fn personal_id_numbers() {
        let id = PersonalIdNumber::parse("086 1 85 012345").unwrap();
        assert_eq!(id.as_str(), "086185012345");
        assert_eq!(id.place_code(), "086");
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.birth_year(), 1985);
        assert!(id.check_birth_date(date(1985, 3, 2)).is_ok());
        assert_eq!(
            id.check_birth_date(date(2085, 3, 2)),
            Err(IdentityInputError::IdNumberBirthMismatch)
        );
        let young = PersonalIdNumber::parse("083205123456").unwrap();
        assert_eq!((young.gender(), young.birth_year()), (Gender::Male, 2005));
        for bad in ["", "08618501234", "0861850123456", "08618501234x"] {
            assert_eq!(
                PersonalIdNumber::parse(bad),
                Err(IdentityInputError::InvalidIdNumber),
                "{bad}"
            );
        }
        // Debug never shows the whole number.
        assert!(!format!("{id:?}").contains("012345"));
    }

    #[test]
    fn composed_numbers_round_trip() {
        for (year, gender) in [
            (1950, Gender::Male),
            (1999, Gender::Female),
            (2001, Gender::Female),
        ] {
            let id = PersonalIdNumber::compose(84, gender, year, 1_234_567);
            assert_eq!(id.as_str().len(), 12);
            assert_eq!(id.place_code(), "084");
            assert_eq!(id.gender(), gender);
            assert_eq!(id.birth_year(), i32::from(year));
            assert!(id.as_str().ends_with("234567"));
        }
    }

    #[test]
    fn eid_levels() {
        assert_eq!(EidLevel::from_number(2), Some(EidLevel::Level2));
        assert_eq!(EidLevel::from_number(3), None);
        assert!(EidLevel::Level2 > EidLevel::Level1);
        assert_eq!(serde_json::to_string(&EidLevel::Level1).unwrap(), "\"1\"");
    }
}

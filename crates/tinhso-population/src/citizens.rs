//! Synthetic citizens, generated deterministically from a seed: the same seed always gives
//! the same people, so tests, the demo and documentation can name one.
//!
//! Each citizen has a 12-digit personal ID number built as TT 59/2021/TT-BCA art. 7 says
//! (place of birth registration, gender and century, year of birth, six random digits; see
//! [`PersonalIdNumber`]), a Vietnamese full name, a date of birth, a gender and a permanent
//! residence in one of the province's communes. None of them is a real person.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Serialize;
use tinhso_domain::identity::{Gender, PersonalIdNumber};

/// The 2025 administrative units, embedded (the same file the demo loads).
const UNITS_2025: &str = include_str!("../../../data/admin-units/units-2025.csv");

/// A commune of permanent residence (thường trú).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Residence {
    pub commune_code: String,
    pub commune_name: String,
    pub province_name: String,
}

/// One synthetic citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Citizen {
    pub id_number: PersonalIdNumber,
    pub full_name: String,
    pub date_of_birth: Date,
    pub gender: Gender,
    pub residence: Residence,
}

/// The citizens the service answers for, by personal ID number.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    by_id: HashMap<String, Citizen>,
    /// In generation order (the fixed demo citizens first).
    order: Vec<String>,
}

impl Registry {
    /// The fixed demo citizens, then `count` synthetic ones from `seed`, living in the communes
    /// of `province_code` (a 2025 province code such as `86`; communes of the whole country when
    /// the code has none).
    pub fn generate(seed: u64, count: usize, province_code: &str) -> Self {
        let communes = communes_of(province_code);
        let mut rng = SplitMix64(seed);
        let mut registry = Registry::default();
        for c in demo_citizens() {
            registry.insert(c);
        }
        let target = registry.len() + count;
        while registry.len() < target {
            let c = random_citizen(&mut rng, &communes);
            if !registry.by_id.contains_key(c.id_number.as_str()) {
                registry.insert(c);
            }
        }
        registry
    }

    fn insert(&mut self, c: Citizen) {
        self.order.push(c.id_number.as_str().to_string());
        self.by_id.insert(c.id_number.as_str().to_string(), c);
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn get(&self, id_number: &str) -> Option<&Citizen> {
        self.by_id.get(id_number)
    }

    /// The first `n` citizens (the demo citizens first), for `tinhso population sample`.
    pub fn sample(&self, n: usize) -> Vec<&Citizen> {
        self.order
            .iter()
            .take(n)
            .filter_map(|id| self.by_id.get(id))
            .collect()
    }

    /// Whether a citizen with this number has exactly this name and date of birth. Names
    /// compare after Unicode NFC normalization, ignoring case and repeated spaces; diacritics
    /// count (`Nguyễn` is not `Nguyen`), as on the card.
    pub fn matches(&self, id_number: &str, full_name: &str, date_of_birth: Date) -> bool {
        self.by_id.get(id_number).is_some_and(|c| {
            c.date_of_birth == date_of_birth
                && normalize_name(&c.full_name) == normalize_name(full_name)
        })
    }
}

/// NFC, lower case, single spaces: how names are compared.
pub fn normalize_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let nfc: String = name.nfc().collect();
    nfc.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Citizens that exist whatever the seed, so the demo and the docs can name them. The first is
/// the demo citizen account `cong-dan-demo`.
pub fn demo_citizens() -> Vec<Citizen> {
    let residence = Residence {
        commune_code: "28756".into(),
        commune_name: "Phường Phú Khương".into(),
        province_name: "Tỉnh Vĩnh Long".into(),
    };
    vec![
        Citizen {
            id_number: PersonalIdNumber::compose(86, Gender::Female, 1990, 12345),
            full_name: "Nguyễn Thị Hồng Nhung".into(),
            date_of_birth: jiff::civil::date(1990, 5, 12),
            gender: Gender::Female,
            residence: residence.clone(),
        },
        Citizen {
            id_number: PersonalIdNumber::compose(84, Gender::Male, 2001, 654321),
            full_name: "Thạch Văn Sơn".into(),
            date_of_birth: jiff::civil::date(2001, 11, 3),
            gender: Gender::Male,
            residence,
        },
    ]
}

fn communes_of(province_code: &str) -> Vec<Residence> {
    let rows: Vec<Residence> = UNITS_2025
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split(',');
            let (p, pn, cc, cn) = (f.next()?, f.next()?, f.next()?, f.next()?);
            Some((p, pn, cc, cn))
        })
        .filter(|(p, ..)| province_code.is_empty() || *p == province_code)
        .map(|(_, pn, cc, cn)| Residence {
            commune_code: cc.to_string(),
            commune_name: cn.to_string(),
            province_name: pn.to_string(),
        })
        .collect();
    if rows.is_empty() && !province_code.is_empty() {
        communes_of("")
    } else {
        rows
    }
}

/// Places of birth registration: the former provinces that now make up Vĩnh Long (86 Vĩnh
/// Long, 83 Bến Tre, 84 Trà Vinh) most often, then neighbours and the big cities.
const BIRTH_PLACES: &[(u16, u32)] = &[
    (86, 40),
    (83, 25),
    (84, 20),
    (79, 5),
    (92, 3),
    (87, 2),
    (82, 2),
    (1, 2),
    (94, 1),
];

const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Huỳnh", 5),
    ("Võ", 5),
    ("Phan", 4),
    ("Trương", 2),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 1),
    ("Thạch", 1),
    ("Kim", 1),
    ("Sơn", 1),
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Hữu", "Minh", "Quốc", "Thanh", "Đức", "Hoàng", "Công",
];
const MIDDLE_FEMALE: &[&str] = &["Thị", "Ngọc", "Thanh", "Thu", "Kim", "Bích", "Mỹ", "Hồng"];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Khang", "Khoa", "Long", "Lộc",
    "Nam", "Nghĩa", "Phát", "Phúc", "Quân", "Sang", "Tài", "Tâm", "Thành", "Thắng", "Tiến", "Toàn",
    "Trí", "Trung", "Tuấn", "Vinh", "Vũ", "Tùng",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Châu", "Diễm", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh",
    "Loan", "Mai", "My", "Ngân", "Nhi", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thư", "Trang",
    "Trinh", "Tuyết", "Uyên", "Vân", "Vy", "Yến",
];

fn random_citizen(rng: &mut SplitMix64, communes: &[Residence]) -> Citizen {
    let place = *rng.weighted(BIRTH_PLACES);
    let gender = if rng.below(2) == 0 {
        Gender::Male
    } else {
        Gender::Female
    };
    // Adults and teenagers of 2026: born 1940–2010.
    let year = 1940 + rng.below(71) as i16;
    let month = 1 + rng.below(12) as i8;
    let day = 1 + rng.below(days_in_month(year, month) as u64) as i8;
    let date_of_birth = jiff::civil::date(year, month, day);
    let serial = rng.below(1_000_000) as u32;
    let family = *rng.weighted(FAMILY);
    let (middle, given) = match gender {
        Gender::Male => (rng.pick(MIDDLE_MALE), rng.pick(GIVEN_MALE)),
        Gender::Female => (rng.pick(MIDDLE_FEMALE), rng.pick(GIVEN_FEMALE)),
    };
    Citizen {
        id_number: PersonalIdNumber::compose(place, gender, year, serial),
        full_name: format!("{family} {middle} {given}"),
        date_of_birth,
        gender,
        residence: rng.pick(communes).clone(),
    }
}

fn days_in_month(year: i16, month: i8) -> i8 {
    jiff::civil::date(year, month, 1).days_in_month()
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same on every platform, which is
/// all synthetic data needs. Not for secrets.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is negligible for these small n).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut r = self.below(total);
        for (item, w) in items {
            if r < u64::from(*w) {
                return item;
            }
            r -= u64::from(*w);
        }
        &items[items.len() - 1].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let a = Registry::generate(7, 500, "86");
        let b = Registry::generate(7, 500, "86");
        let c = Registry::generate(8, 500, "86");
        assert_eq!(a.len(), 502);
        let ids = |r: &Registry| r.order.clone();
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
        assert_eq!(a.sample(1)[0].full_name, "Nguyễn Thị Hồng Nhung");
    }

    #[test]
    fn numbers_agree_with_birth_and_gender_and_residence_is_in_the_province() {
        let r = Registry::generate(86, 2_000, "86");
        for c in r.sample(r.len()) {
            assert!(
                c.id_number.check_birth_date(c.date_of_birth).is_ok(),
                "{c:?}"
            );
            assert_eq!(c.id_number.gender(), c.gender);
            assert_eq!(c.residence.province_name, "Tỉnh Vĩnh Long");
            assert!((3..=4).contains(&c.full_name.split(' ').count()), "{c:?}");
        }
    }

    #[test]
    fn names_match_in_any_normal_form_and_case_but_not_without_diacritics() {
        let r = Registry::generate(1, 0, "86");
        let nhung = r.sample(1)[0].clone();
        let id = nhung.id_number.as_str();
        let dob = nhung.date_of_birth;
        assert!(r.matches(id, "Nguyễn Thị Hồng Nhung", dob));
        assert!(r.matches(id, "  NGUYỄN  thị hồng   nhung ", dob));
        use unicode_normalization::UnicodeNormalization;
        let nfd: String = "Nguyễn Thị Hồng Nhung".nfd().collect();
        assert!(r.matches(id, &nfd, dob));
        assert!(!r.matches(id, "Nguyen Thi Hong Nhung", dob));
        assert!(!r.matches(id, "Nguyễn Thị Hồng Nhung", jiff::civil::date(1990, 5, 13)));
        assert!(!r.matches("000000000000", "Nguyễn Thị Hồng Nhung", dob));
    }

    #[test]
    fn an_unknown_province_falls_back_to_the_whole_country() {
        let r = Registry::generate(1, 10, "99");
        assert_eq!(r.len(), 12);
    }
}

//! Agencies (cơ quan) and their electronic identifier (mã định danh điện tử, QĐ 20/2020/QĐ-TTg).

use serde::{Deserialize, Serialize};

/// An agency e-ID: at most 35 characters of `[0-9A-Z.]` in dot-separated groups, e.g.
/// `000.00.01.H22` (QĐ 20/2020: `L4(3).L3(2).L2(2).L1(letter+2)`; H-codes are provinces).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyEId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid agency e-ID {value:?}: {reason}")]
pub struct AgencyEIdError {
    pub value: String,
    pub reason: &'static str,
}

impl AgencyEId {
    /// Validates an agency e-ID (QĐ 20/2020/QĐ-TTg).
    ///
    /// - at most 35 characters of `[0-9A-Z.]`, in dot-separated groups, none empty;
    /// - the last four groups are the four levels the decision defines, checked strictly:
    ///   `L4.L3.L2.L1` = 3 digits, 2 digits, 2 digits, one capital letter and 2 digits
    ///   (`000.00.04.H40`; `000` / `00` where a level is not used; H-codes are provinces);
    /// - groups before those (deeper units, levels 5 and up) are accepted as 1 to 3 digits or
    ///   capitals each: the decision leaves their coding to the managing body, so tinhso does not
    ///   reject codes a province has issued. Fewer than four groups is an error.
    pub fn parse(s: &str) -> Result<Self, AgencyEIdError> {
        let err = |reason| AgencyEIdError {
            value: s.to_string(),
            reason,
        };
        if s.is_empty() || s.len() > 35 {
            return Err(err(
                "phải dài từ 1 đến 35 ký tự / must be 1 to 35 characters",
            ));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.')
        {
            return Err(err(
                "chỉ gồm chữ số, chữ in hoa và dấu chấm / only digits, capital letters and dots are allowed",
            ));
        }
        let groups: Vec<&str> = s.split('.').collect();
        if groups.iter().any(|g| g.is_empty()) {
            return Err(err(
                "các nhóm cách nhau bởi một dấu chấm, không nhóm nào rỗng / groups separated by single dots, none empty",
            ));
        }
        if groups.len() < 4 {
            return Err(err(
                "cần đủ 4 nhóm cấp 4.cấp 3.cấp 2.cấp 1, ví dụ 000.00.01.H22 / needs the four level groups L4.L3.L2.L1, e.g. 000.00.01.H22",
            ));
        }
        let n = groups.len();
        let digits = |g: &str, len: usize| g.len() == len && g.bytes().all(|b| b.is_ascii_digit());
        for g in &groups[..n - 4] {
            if g.len() > 3 {
                return Err(err(
                    "nhóm cấp 5 trở lên dài tối đa 3 ký tự / groups of level 5 and deeper have at most 3 characters",
                ));
            }
        }
        if !digits(groups[n - 4], 3) {
            return Err(err(
                "nhóm cấp 4 phải có đúng 3 chữ số / the level-4 group must be exactly 3 digits",
            ));
        }
        if !digits(groups[n - 3], 2) {
            return Err(err(
                "nhóm cấp 3 phải có đúng 2 chữ số / the level-3 group must be exactly 2 digits",
            ));
        }
        if !digits(groups[n - 2], 2) {
            return Err(err(
                "nhóm cấp 2 phải có đúng 2 chữ số / the level-2 group must be exactly 2 digits",
            ));
        }
        let l1 = groups[n - 1].as_bytes();
        if !(l1.len() == 3 && l1[0].is_ascii_uppercase() && l1[1..].iter().all(u8::is_ascii_digit))
        {
            return Err(err(
                "nhóm cấp 1 phải là một chữ in hoa và 2 chữ số, ví dụ H22 / the level-1 group must be a capital letter and 2 digits, e.g. H22",
            ));
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The level-1 group, e.g. `H22` (H-codes denote provinces, domain.md §5.1).
    pub fn level1(&self) -> &str {
        self.0.rsplit('.').next().unwrap_or_default()
    }
}

impl TryFrom<String> for AgencyEId {
    type Error = AgencyEIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<AgencyEId> for String {
    fn from(c: AgencyEId) -> String {
        c.0
    }
}
impl std::fmt::Display for AgencyEId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Level of an agency in the two-level local government (from 1/7/2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyLevel {
    /// Ủy ban nhân dân tỉnh (provincial people's committee)
    Province,
    /// Sở, ban, ngành (provincial department)
    Department,
    /// Trung tâm (e.g. Trung tâm Phục vụ hành chính công, the public administrative service centre)
    Centre,
    /// Ủy ban nhân dân xã/phường/đặc khu (commune people's committee)
    Commune,
}

/// An agency, with validity period and succession (a merged agency points to its successor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub eid: AgencyEId,
    pub name: String,
    pub level: AgencyLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<AgencyEId>,
    /// The administrative unit the agency serves (province or commune code), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_code: Option<String>,
    pub valid_from: jiff::civil::Date,
    /// Last day in force; `None` while in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<jiff::civil::Date>,
    /// The agency that continues this one's work after `valid_to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<AgencyEId>,
}

/// A problem with one agency or with the agency tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgencyProblem {
    #[error("{eid}: ngày hết hiệu lực {valid_to} trước ngày bắt đầu {valid_from} / valid_to {valid_to} is before valid_from {valid_from}")]
    EndsBeforeStart {
        eid: AgencyEId,
        valid_from: jiff::civil::Date,
        valid_to: jiff::civil::Date,
    },
    #[error("{eid}: có cơ quan kế thừa nhưng chưa hết hiệu lực / has a successor but no valid_to")]
    SuccessorWhileInForce { eid: AgencyEId },
    #[error("{eid}: tự kế thừa chính mình / is its own successor")]
    OwnSuccessor { eid: AgencyEId },
    #[error("{eid}: là cơ quan cấp trên của chính mình / is its own parent")]
    OwnParent { eid: AgencyEId },
    #[error("{eid}: mã trùng lặp / duplicate e-ID")]
    Duplicate { eid: AgencyEId },
    #[error("{eid}: cơ quan cấp trên {parent} không có trong danh sách / unknown parent {parent}")]
    UnknownParent { eid: AgencyEId, parent: AgencyEId },
    #[error("{eid}: cơ quan kế thừa {successor} không có trong danh sách / unknown successor {successor}")]
    UnknownSuccessor {
        eid: AgencyEId,
        successor: AgencyEId,
    },
    #[error("vòng lặp cơ quan cấp trên / parent cycle: {}", path_text(.path))]
    ParentCycle { path: Vec<AgencyEId> },
    #[error("vòng lặp kế thừa / successor cycle: {}", path_text(.path))]
    SuccessorCycle { path: Vec<AgencyEId> },
}

fn path_text(path: &[AgencyEId]) -> String {
    path.iter()
        .map(AgencyEId::as_str)
        .collect::<Vec<_>>()
        .join(" → ")
}

impl Agency {
    /// Checks one agency on its own:
    /// - `valid_to` (last day in force) is not before `valid_from`;
    /// - a successor is named only once the agency has ended (`valid_to` set): an agency in force
    ///   continues its own work. An ended agency **may** have no successor (dissolved, its tasks
    ///   ended), so that is not a problem;
    /// - neither its parent nor its successor is itself.
    pub fn validate(&self) -> Vec<AgencyProblem> {
        let mut problems = Vec::new();
        if let Some(valid_to) = self.valid_to {
            if valid_to < self.valid_from {
                problems.push(AgencyProblem::EndsBeforeStart {
                    eid: self.eid.clone(),
                    valid_from: self.valid_from,
                    valid_to,
                });
            }
        }
        if let Some(successor) = &self.successor {
            if successor == &self.eid {
                problems.push(AgencyProblem::OwnSuccessor {
                    eid: self.eid.clone(),
                });
            } else if self.valid_to.is_none() {
                problems.push(AgencyProblem::SuccessorWhileInForce {
                    eid: self.eid.clone(),
                });
            }
        }
        if self.parent.as_ref() == Some(&self.eid) {
            problems.push(AgencyProblem::OwnParent {
                eid: self.eid.clone(),
            });
        }
        problems
    }

    /// In force on `day` (both ends inclusive).
    pub fn in_force_on(&self, day: jiff::civil::Date) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// Checks a whole list of agencies: each one ([`Agency::validate`]), duplicate e-IDs, parents
/// and successors that are not in the list, and cycles through parents or successors (a cycle
/// is reported once, starting from its smallest e-ID).
pub fn validate_agency_tree(agencies: &[Agency]) -> Vec<AgencyProblem> {
    use std::collections::{BTreeSet, HashMap};

    let mut problems: Vec<AgencyProblem> = agencies.iter().flat_map(Agency::validate).collect();
    let mut by_eid: HashMap<&AgencyEId, &Agency> = HashMap::new();
    for a in agencies {
        if by_eid.insert(&a.eid, a).is_some() {
            problems.push(AgencyProblem::Duplicate { eid: a.eid.clone() });
        }
    }
    for a in agencies {
        if let Some(parent) = &a.parent {
            if !by_eid.contains_key(parent) {
                problems.push(AgencyProblem::UnknownParent {
                    eid: a.eid.clone(),
                    parent: parent.clone(),
                });
            }
        }
        if let Some(successor) = &a.successor {
            if !by_eid.contains_key(successor) {
                problems.push(AgencyProblem::UnknownSuccessor {
                    eid: a.eid.clone(),
                    successor: successor.clone(),
                });
            }
        }
    }
    // Cycles: follow each link chain; a chain that comes back to a node seen on the same walk
    // is a cycle. Self-links are reported by `validate` already.
    let mut cycles = |link: &dyn Fn(&Agency) -> Option<&AgencyEId>,
                      make: fn(Vec<AgencyEId>) -> AgencyProblem| {
        let mut reported: BTreeSet<Vec<AgencyEId>> = BTreeSet::new();
        for start in agencies {
            let mut path: Vec<&AgencyEId> = vec![&start.eid];
            let mut current = start;
            while let Some(next) = link(current) {
                if next == &current.eid {
                    break;
                }
                if let Some(pos) = path.iter().position(|e| *e == next) {
                    let mut cycle: Vec<AgencyEId> =
                        path[pos..].iter().map(|e| (*e).clone()).collect();
                    let min = cycle
                        .iter()
                        .enumerate()
                        .min_by(|a, b| a.1.cmp(b.1))
                        .map_or(0, |(i, _)| i);
                    cycle.rotate_left(min);
                    if reported.insert(cycle.clone()) {
                        cycle.push(cycle[0].clone());
                        problems.push(make(cycle));
                    }
                    break;
                }
                let Some(next_agency) = by_eid.get(next) else {
                    break;
                };
                path.push(next);
                current = next_agency;
            }
        }
    };
    cycles(&|a: &Agency| a.parent.as_ref(), |path| {
        AgencyProblem::ParentCycle { path }
    });
    cycles(&|a: &Agency| a.successor.as_ref(), |path| {
        AgencyProblem::SuccessorCycle { path }
    });
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn classic_e_ids() {
        for ok in [
            "000.00.04.H40",
            "000.00.01.H22",
            "000.20.33.H62",
            "000.00.00.G12",
            "A1.000.00.01.H22",
        ] {
            assert!(AgencyEId::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            AgencyEId::parse("000.20.33.H62").map(|e| e.level1().to_string()),
            Ok("H62".into())
        );
    }

    #[test]
    fn e_id_errors_say_what_is_wrong() {
        let reason = |s: &str| AgencyEId::parse(s).expect_err(s).reason;
        assert!(reason("").contains("1 to 35"));
        assert!(reason(&"0".repeat(36)).contains("1 to 35"));
        assert!(reason("000.00.04.h40").contains("capital letters"));
        assert!(reason("000..04.H40").contains("none empty"));
        assert!(reason("00.04.H40").contains("four level groups"));
        assert!(reason("00.00.04.H40").contains("level-4"));
        assert!(reason("000.0.04.H40").contains("level-3"));
        assert!(reason("000.00.4A.H40").contains("level-2"));
        assert!(reason("000.00.04.H4").contains("level-1"));
        assert!(reason("000.00.04.140").contains("level-1"));
        assert!(reason("ABCD.000.00.04.H40").contains("level 5"));
        // Vietnamese first.
        assert!(reason("000.00.04.H4").starts_with("nhóm cấp 1"));
    }

    fn agency(
        eid: &str,
        parent: Option<&str>,
        successor: Option<&str>,
        valid_to: Option<jiff::civil::Date>,
    ) -> Agency {
        let id = |s: &str| AgencyEId::parse(s).expect("test e-ID");
        Agency {
            eid: id(eid),
            name: eid.to_string(),
            level: AgencyLevel::Department,
            parent: parent.map(id),
            unit_code: None,
            valid_from: date(2020, 1, 1),
            valid_to,
            successor: successor.map(id),
        }
    }

    #[test]
    fn one_agency_rules() {
        let ended = Some(date(2025, 6, 30));
        assert!(agency("000.00.01.H22", None, None, ended)
            .validate()
            .is_empty());
        assert!(agency("000.00.01.H22", None, Some("000.00.02.H22"), ended)
            .validate()
            .is_empty());
        assert_eq!(
            agency("000.00.01.H22", None, Some("000.00.02.H22"), None).validate(),
            vec![AgencyProblem::SuccessorWhileInForce {
                eid: AgencyEId::parse("000.00.01.H22").expect("id")
            }]
        );
        let mut backwards = agency(
            "000.00.01.H22",
            Some("000.00.01.H22"),
            None,
            Some(date(2019, 1, 1)),
        );
        let problems = backwards.validate();
        assert!(matches!(problems[0], AgencyProblem::EndsBeforeStart { .. }));
        assert!(matches!(problems[1], AgencyProblem::OwnParent { .. }));
        backwards.valid_to = None;
        assert!(backwards.in_force_on(date(2026, 1, 1)));
        assert!(!agency("000.00.01.H22", None, None, ended).in_force_on(date(2025, 7, 1)));
    }

    #[test]
    fn tree_problems() {
        let ended = Some(date(2025, 6, 30));
        let list = vec![
            agency("000.00.00.H22", None, None, None),
            agency("000.00.01.H22", Some("000.00.00.H22"), None, None),
            agency(
                "000.00.02.H22",
                Some("000.00.09.H22"),
                Some("000.00.08.H22"),
                ended,
            ),
            agency(
                "000.00.03.H22",
                Some("000.00.04.H22"),
                Some("000.00.04.H22"),
                ended,
            ),
            agency(
                "000.00.04.H22",
                Some("000.00.03.H22"),
                Some("000.00.03.H22"),
                ended,
            ),
            agency("000.00.01.H22", None, None, None),
        ];
        let problems = validate_agency_tree(&list);
        let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 5, "{texts:#?}");
        assert!(texts
            .iter()
            .any(|t| t.contains("000.00.01.H22: mã trùng lặp")));
        assert!(texts
            .iter()
            .any(|t| t.contains("unknown parent 000.00.09.H22")));
        assert!(texts
            .iter()
            .any(|t| t.contains("unknown successor 000.00.08.H22")));
        assert!(texts
            .iter()
            .any(|t| t.ends_with("parent cycle: 000.00.03.H22 → 000.00.04.H22 → 000.00.03.H22")));
        assert!(texts.iter().any(|t| t.starts_with("vòng lặp kế thừa")));
        assert!(validate_agency_tree(&list[..2]).is_empty());
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn classic_form_always_parses(l4 in 0u32..1000, l3 in 0u32..100, l2 in 0u32..100, letter in "[A-Z]", l1 in 0u32..100) {
            let s = format!("{l4:03}.{l3:02}.{l2:02}.{letter}{l1:02}");
            let eid = AgencyEId::parse(&s).expect("classic form");
            prop_assert_eq!(eid.as_str(), s.as_str());
        }

        #[test]
        fn anything_else_is_an_error_not_a_panic(s in "\\PC{0,40}") {
            if let Ok(e) = AgencyEId::parse(&s) {
                prop_assert!(e.as_str().len() <= 35);
                prop_assert!(e.as_str().split('.').count() >= 4);
            }
        }
    }
}

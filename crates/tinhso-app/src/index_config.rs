//! The `[index_766]` section of the configuration file: the points and thresholds of the
//! service-quality index of QĐ 766/QĐ-TTg (domain.md §6). The group weights 18/20/22/22/18 and
//! the thresholds the decision names are the defaults; the per-indicator points are UNCONFIRMED
//! by the law's published transcriptions, so they default to an even split inside each group
//! and a province sets its own here.
//!
//! ```toml
//! [index_766]
//! rescale_unmeasured = true
//! groups = { "1" = 18, "2" = 20, "3" = 22, "4" = 22, "5" = 18 }   # must add up to 100
//!
//! [index_766.indicators]
//! "2.1" = { points = 12, threshold = 100 }   # threshold in percent, 0 < t ≤ 100
//! "3.3" = { threshold = 50 }
//! ```
//!
//! An indicator given without `points` shares evenly what its group has left after the
//! indicators given with points. Everything is checked when the file is loaded
//! ([`IndexConfig::validate`]); a problem stops the program with a message naming it.

use std::fmt::Write as _;

use tinhso_domain::kpi::{GroupWeight, IndexConfig, Indicator, IndicatorRule, GROUPS};

/// The name of the section.
pub const SECTION: &str = "index_766";

/// Reads the section (the table under `[index_766]`); every problem found, in Vietnamese and
/// English, when it cannot be used.
pub fn parse(table: &toml::Table) -> Result<IndexConfig, Vec<String>> {
    let mut problems = Vec::new();
    let defaults = IndexConfig::default();
    let mut groups = defaults.groups.clone();
    let mut rescale = defaults.rescale_unmeasured;
    // (indicator, points given, threshold given as a fraction)
    let mut given: Vec<(Indicator, Option<f64>, Option<f64>)> = Vec::new();
    for (key, value) in table {
        match key.as_str() {
            "rescale_unmeasured" => match value.as_bool() {
                Some(b) => rescale = b,
                None => problems.push(
                    "`rescale_unmeasured`: cần true hoặc false / expected true or false".into(),
                ),
            },
            "groups" => {
                let Some(t) = value.as_table() else {
                    problems.push(
                        "`groups`: cần một bảng { \"1\" = 18, … } / expected a table { \"1\" = 18, … }"
                            .into(),
                    );
                    continue;
                };
                for (g, points) in t {
                    let group = g.trim().parse::<u8>().ok().filter(|g| (1..=5).contains(g));
                    let Some(group) = group else {
                        problems.push(format!(
                            "`groups.{g}`: nhóm phải là 1–5 / the group must be 1–5"
                        ));
                        continue;
                    };
                    match number(points) {
                        Some(p) => {
                            if let Some(w) = groups.iter_mut().find(|w| w.group == group) {
                                w.points = p;
                            }
                        }
                        None => problems.push(format!(
                            "`groups.{g}`: cần một số điểm / expected a number of points"
                        )),
                    }
                }
            }
            "indicators" => {
                let Some(t) = value.as_table() else {
                    problems.push(
                        "`indicators`: cần một bảng { \"2.1\" = { points = 10, threshold = 100 } } / expected a table"
                            .into(),
                    );
                    continue;
                };
                for (id, rule) in t {
                    let Some(indicator) = Indicator::from_id(id) else {
                        let known: Vec<&str> = Indicator::ALL.iter().map(|i| i.id()).collect();
                        problems.push(format!(
                            "`indicators.\"{id}\"`: không có chỉ số này; các chỉ số: {} / no such indicator; known: {}",
                            known.join(", "),
                            known.join(", ")
                        ));
                        continue;
                    };
                    match parse_rule(id, rule) {
                        Ok((points, threshold)) => given.push((indicator, points, threshold)),
                        Err(mut e) => problems.append(&mut e),
                    }
                }
            }
            other => problems.push(format!(
                "`{other}`: khóa không hợp lệ trong [{SECTION}]; hợp lệ: groups, indicators, rescale_unmeasured / unknown key in [{SECTION}]; known: groups, indicators, rescale_unmeasured"
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let config = build(groups, rescale, &given, &mut problems);
    problems.extend(config.validate().iter().map(|p| p.to_string()));
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

fn number(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// `{ points = …, threshold = … }` of one indicator: the points, and the threshold as a
/// fraction (given in percent).
#[allow(clippy::type_complexity)]
fn parse_rule(id: &str, rule: &toml::Value) -> Result<(Option<f64>, Option<f64>), Vec<String>> {
    let Some(t) = rule.as_table() else {
        return Err(vec![format!(
            "`indicators.\"{id}\"`: cần {{ points = …, threshold = … }} / expected {{ points = …, threshold = … }}"
        )]);
    };
    let mut problems = Vec::new();
    let mut points = None;
    let mut threshold = None;
    for (key, value) in t {
        match (key.as_str(), number(value)) {
            ("points", Some(p)) => points = Some(p),
            ("threshold", Some(p)) => {
                if p > 0.0 && p <= 100.0 {
                    threshold = Some(p / 100.0);
                } else {
                    problems.push(format!(
                        "`indicators.\"{id}\".threshold`: {p} không nằm trong (0, 100] phần trăm / {p} is not a percentage in (0, 100]"
                    ));
                }
            }
            ("points" | "threshold", None) => problems.push(format!(
                "`indicators.\"{id}\".{key}`: cần một số / expected a number"
            )),
            (other, _) => problems.push(format!(
                "`indicators.\"{id}\".{other}`: khóa không hợp lệ; hợp lệ: points, threshold / unknown key; known: points, threshold"
            )),
        }
    }
    if problems.is_empty() {
        Ok((points, threshold))
    } else {
        Err(problems)
    }
}

/// The configuration from the group weights and the indicators given: an indicator without
/// points shares what its group has left evenly with the others without points.
fn build(
    groups: Vec<GroupWeight>,
    rescale_unmeasured: bool,
    given: &[(Indicator, Option<f64>, Option<f64>)],
    problems: &mut Vec<String>,
) -> IndexConfig {
    let find = |i: Indicator| given.iter().find(|g| g.0 == i);
    let mut indicators = Vec::new();
    for w in &groups {
        let members: Vec<Indicator> = Indicator::ALL
            .into_iter()
            .filter(|i| i.group() == w.group)
            .collect();
        let fixed: f64 = members.iter().filter_map(|i| find(*i)?.1).sum();
        let open = members
            .iter()
            .filter(|i| find(**i).and_then(|g| g.1).is_none())
            .count();
        let share = if open > 0 {
            (w.points - fixed) / open as f64
        } else {
            0.0
        };
        if open > 0 && share < 0.0 {
            problems.push(format!(
                "Các chỉ số nhóm {g} được cho {fixed} điểm, nhiều hơn {p} điểm của nhóm / the indicators given for group {g} take {fixed} points, more than its {p}",
                g = w.group,
                p = w.points
            ));
        }
        for indicator in members {
            let g = find(indicator);
            indicators.push(IndicatorRule {
                indicator,
                points: g.and_then(|g| g.1).unwrap_or(share),
                threshold: g
                    .and_then(|g| g.2)
                    .unwrap_or_else(|| indicator.default_threshold()),
            });
        }
    }
    IndexConfig {
        groups,
        indicators,
        rescale_unmeasured,
    }
}

/// The section as TOML text that [`parse`] reads back to the same configuration: every group
/// and indicator with its points and threshold (percent), each indicator named in a comment.
pub fn render(config: &IndexConfig, commented: bool) -> String {
    let c = if commented { "# " } else { "" };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The 766 index (QĐ 766/QĐ-TTg, domain.md §6): group weights in points (must add up to\n\
         # 100) and, per indicator, its points (an indicator's group must add up to the group's\n\
         # points; one given without points shares what its group has left) and the threshold in\n\
         # percent at or above which it earns full points (0 < threshold ≤ 100)."
    );
    let _ = writeln!(out, "{c}[{SECTION}]");
    let _ = writeln!(out, "{c}rescale_unmeasured = {}", config.rescale_unmeasured);
    let groups: Vec<String> = config
        .groups
        .iter()
        .map(|g| format!("\"{}\" = {}", g.group, float(g.points)))
        .collect();
    let _ = writeln!(out, "{c}groups = {{ {} }}", groups.join(", "));
    let _ = writeln!(out, "\n{c}[{SECTION}.indicators]");
    for group in GROUPS {
        let _ = writeln!(out, "# {} {} / {}", group.0, group.1, group.2);
        for rule in config
            .indicators
            .iter()
            .filter(|r| r.indicator.group() == group.0)
        {
            let _ = writeln!(
                out,
                "{c}\"{}\" = {{ points = {}, threshold = {} }}   # {}",
                rule.indicator.id(),
                float(rule.points),
                float(rule.threshold * 100.0),
                rule.indicator.name_vi()
            );
        }
    }
    out
}

/// A number TOML reads back as a float (always with a decimal point).
fn float(x: f64) -> String {
    let rounded = (x * 1e9).round() / 1e9;
    let text = format!("{rounded}");
    if text.contains('.') || text.contains('e') {
        text
    } else {
        format!("{text}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> toml::Table {
        let doc: toml::Table = text.parse().expect("toml");
        doc.get(SECTION)
            .and_then(|v| v.as_table())
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn empty_section_is_the_law_default() {
        assert_eq!(parse(&toml::Table::new()), Ok(IndexConfig::default()));
    }

    #[test]
    fn rendered_default_reads_back() {
        let text = render(&IndexConfig::default(), false);
        assert_eq!(parse(&section(&text)), Ok(IndexConfig::default()));
        // The commented form (the example file) is only comments.
        let example = render(&IndexConfig::default(), true);
        assert!(example.lines().all(|l| l.is_empty() || l.starts_with('#')));
    }

    #[test]
    fn points_and_thresholds_override_and_the_rest_shares() {
        let config = parse(&section(
            "[index_766]\nrescale_unmeasured = false\n\
             [index_766.indicators]\n\"2.1\" = { points = 15, threshold = 95 }\n\
             \"3.3\" = { threshold = 60 }\n",
        ))
        .expect("valid");
        assert!(!config.rescale_unmeasured);
        let rule = |id| {
            config
                .rule(Indicator::from_id(id).expect("id"))
                .expect("rule")
        };
        assert_eq!(rule("2.1").points, 15.0);
        assert!((rule("2.1").threshold - 0.95).abs() < 1e-12);
        // 2.2 takes what group 2 (20) has left.
        assert_eq!(rule("2.2").points, 5.0);
        assert!((rule("3.3").threshold - 0.6).abs() < 1e-12);
        assert!((rule("3.3").points - 4.4).abs() < 1e-12);
        // Untouched: the law's threshold.
        assert!((rule("5.4").threshold - 0.9).abs() < 1e-12);
        let again = parse(&section(&render(&config, false))).expect("round trip");
        assert_eq!(again, config);
    }

    #[test]
    fn problems_are_named() {
        let err = |text: &str| parse(&section(text)).expect_err(text).join("\n");
        let e = err("[index_766]\ngroups = { \"1\" = 20, \"2\" = 20, \"3\" = 22, \"4\" = 22, \"5\" = 18 }\n");
        assert!(e.contains("102"), "{e}");
        let e = err("[index_766.indicators]\n\"3.3\" = { threshold = 0 }\n");
        assert!(e.contains("3.3") && e.contains("(0, 100]"), "{e}");
        let e = err("[index_766.indicators]\n\"3.3\" = { threshold = 120 }\n");
        assert!(e.contains("120"), "{e}");
        let e = err("[index_766.indicators]\n\"9.9\" = { points = 1 }\n");
        assert!(e.contains("9.9") && e.contains("2.1"), "{e}");
        let e = err("[index_766.indicators]\n\"2.1\" = { points = 25 }\n");
        assert!(e.contains("group 2 take 25"), "{e}");
        // Every indicator of a group given, not adding up to the group's points.
        let e =
            err("[index_766.indicators]\n\"2.1\" = { points = 10 }\n\"2.2\" = { points = 5 }\n");
        assert!(e.contains("group 2 add up to 15"), "{e}");
        let e = err("[index_766]\nweights = 1\n");
        assert!(e.contains("weights"), "{e}");
        let e = err("[index_766]\ngroups = { \"6\" = 1 }\n");
        assert!(e.contains("groups.6"), "{e}");
        let e = err("[index_766.indicators]\n\"2.1\" = { point = 3 }\n");
        assert!(e.contains("point"), "{e}");
    }
}

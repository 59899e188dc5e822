//! Latency summaries computed from every recorded sample (no sampling, no buckets): the samples
//! are sorted once and quantiles read by nearest rank, so p99 of 1,000 samples is the 990th.

use std::time::Duration;

use serde::Serialize;

/// Quantiles of a set of latencies, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    pub mean_us: f64,
}

impl Summary {
    /// Summarizes latencies given in nanoseconds. An empty set gives zeros.
    pub fn from_nanos(mut samples: Vec<u64>) -> Summary {
        if samples.is_empty() {
            return Summary::default();
        }
        samples.sort_unstable();
        let n = samples.len();
        let at = |q: f64| -> f64 {
            // Nearest rank: the smallest sample with at least q·n samples at or below it.
            let rank = ((n as f64) * q).ceil() as usize;
            samples[rank.clamp(1, n) - 1] as f64 / 1e3
        };
        let sum: u128 = samples.iter().map(|&s| u128::from(s)).sum();
        Summary {
            count: n as u64,
            p50_us: at(0.50),
            p90_us: at(0.90),
            p99_us: at(0.99),
            max_us: samples[n - 1] as f64 / 1e3,
            mean_us: sum as f64 / n as f64 / 1e3,
        }
    }
}

/// A duration as whole nanoseconds, saturating (a sample never exceeds centuries).
pub fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Human-readable microseconds: `850 µs`, `12.3 ms`, `1.20 s`.
pub fn fmt_us(us: f64) -> String {
    if us < 1_000.0 {
        if us < 10.0 {
            format!("{us:.1} µs")
        } else {
            format!("{us:.0} µs")
        }
    } else if us < 1_000_000.0 {
        format!("{:.1} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles_of_one_to_a_thousand() {
        // 1..=1000 µs: p50 is the 500th sample, p90 the 900th, p99 the 990th.
        let s = Summary::from_nanos((1..=1000u64).rev().map(|us| us * 1000).collect());
        assert_eq!(s.count, 1000);
        assert_eq!(s.p50_us, 500.0);
        assert_eq!(s.p90_us, 900.0);
        assert_eq!(s.p99_us, 990.0);
        assert_eq!(s.max_us, 1000.0);
        assert_eq!(s.mean_us, 500.5);
    }

    #[test]
    fn one_sample_is_every_quantile_and_none_is_zero() {
        let s = Summary::from_nanos(vec![7_000]);
        assert_eq!((s.p50_us, s.p99_us, s.max_us), (7.0, 7.0, 7.0));
        assert_eq!(Summary::from_nanos(Vec::new()), Summary::default());
    }

    #[test]
    fn microseconds_are_printed_in_a_readable_unit() {
        assert_eq!(fmt_us(3.26), "3.3 µs");
        assert_eq!(fmt_us(850.0), "850 µs");
        assert_eq!(fmt_us(12_345.0), "12.3 ms");
        assert_eq!(fmt_us(1_200_000.0), "1.20 s");
    }
}

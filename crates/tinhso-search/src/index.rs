//! The inverted index and its ranking.
//!
//! Layout, chosen so a query costs a few passes over flat arrays:
//! - documents sorted by procedure code, so a document's number orders like its code (the
//!   deterministic tie-break is a plain integer comparison, and a code prefix is a range);
//! - a sorted term dictionary of folded tokens, so the completions of a prefix are a contiguous
//!   range of term numbers;
//! - one flat posting array (term → documents), each posting carrying its precomputed BM25F
//!   score, since that score depends only on the term and the document, never on the query.
//!
//! A query allocates three arrays of one number per document and the list of hits, nothing per
//! posting.

use std::collections::{BTreeMap, HashMap};

use tinhso_domain::agency::AgencyEId;
use tinhso_domain::catalog::{OnlineLevel, Procedure, ProcedureCode, ProcedureLevel};

use crate::tokens::{folded_tokens, normalize_field, tokens, Token};
use crate::{Hit, SearchQuery, SearchResults, DEFAULT_LIMIT, MAX_LIMIT};

/// BM25 saturation.
const K1: f32 = 1.2;
/// BM25 length normalization.
const B: f32 = 0.75;
/// Field weights (BM25F): the name counts most, the fields (lĩnh vực) next, the body (results,
/// requirements) lightly, so a name match beats a match buried in the body.
const W_NAME: f32 = 4.0;
const W_FIELDS: f32 = 1.5;
const W_BODY: f32 = 0.3;
/// A completion of the last, unfinished query word counts a little less than the exact word.
const COMPLETION_FACTOR: f32 = 0.8;
/// The query's words appear in the name, in order, side by side.
const PHRASE_BONUS: f32 = 2.0;
/// … and the name starts with them.
const STARTS_WITH_BONUS: f32 = 1.0;
/// … and they are the whole name.
const WHOLE_NAME_BONUS: f32 = 2.0;
/// Per query word whose exact form (diacritics included) is in the name, when the query was
/// typed with diacritics (`Vĩnh` vs `Vinh`). Small: it orders records that match anyway, it
/// never excludes one.
const DIACRITICS_BONUS: f32 = 0.25;
/// An exact procedure code in the query puts that record first.
const CODE_BONUS: f32 = 10_000.0;
/// Prefixes this short (in characters) have precomputed postings.
const SHORT_PREFIX_CHARS: usize = 2;
/// Words of a query beyond this are ignored (a search box, not a document).
const MAX_QUERY_TERMS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    score: f32,
}

#[derive(Debug)]
struct Doc {
    code: ProcedureCode,
    levels: Vec<ProcedureLevel>,
    /// Sorted, for binary search.
    agencies: Vec<AgencyEId>,
    online_level: OnlineLevel,
    /// Normalized with [`normalize_field`].
    fields: Vec<String>,
    /// The name's term numbers, in order (for phrase and starts-with checks).
    name_terms: Vec<u32>,
    /// The name's tokens in lower case with diacritics (for the diacritics bonus).
    name_lower: Vec<Box<str>>,
    /// Where the name proper begins in `name_terms`: national records often say "Thủ tục đăng
    /// ký khai sinh", and a citizen types "đăng ký khai sinh".
    title_start: usize,
}

/// An in-memory, diacritic-insensitive, ranked index over the procedure catalog.
///
/// Built once from the latest version of every procedure (the same for SQLite and PostgreSQL
/// deployments), then queried concurrently (`&self`).
#[derive(Debug)]
pub struct SearchIndex {
    docs: Vec<Doc>,
    /// Sorted folded terms; a term's number is its position.
    terms: Vec<Box<str>>,
    /// `postings[offsets[t]..offsets[t + 1]]` are term `t`'s postings, by document.
    offsets: Vec<u32>,
    postings: Vec<Posting>,
    /// Prefixes of up to [`SHORT_PREFIX_CHARS`] characters, sorted, each with its range of
    /// `short_postings`: one posting per document holding the best completion's score. A
    /// one-letter query would otherwise visit a good part of all postings.
    short_prefixes: Vec<(Box<str>, u32, u32)>,
    short_postings: Vec<Posting>,
}

/// How one query word matches terms of the dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matcher {
    Exact(u32),
    /// A prefix: the term range `lo..hi`, the exact term if the word is itself a term, and for
    /// a very short prefix its precomputed postings (a range of `short_postings`).
    Prefix {
        lo: u32,
        hi: u32,
        exact: Option<u32>,
        short: Option<(u32, u32)>,
    },
}

impl Matcher {
    fn matches(self, term: u32) -> bool {
        match self {
            Matcher::Exact(t) => t == term,
            Matcher::Prefix { lo, hi, .. } => (lo..hi).contains(&term),
        }
    }
}

/// Per-document term frequencies in the three weighted parts, while building.
#[derive(Default, Clone, Copy)]
struct Frequencies {
    name: u32,
    fields: u32,
    body: u32,
}

impl SearchIndex {
    /// Builds the index. Procedures with the same code: the last one wins (pass the latest
    /// versions; duplicates are tolerated, not expected).
    pub fn build<'a>(procedures: impl IntoIterator<Item = &'a Procedure>) -> Self {
        let mut by_code: BTreeMap<&ProcedureCode, &Procedure> = BTreeMap::new();
        for p in procedures {
            by_code.insert(&p.code, p);
        }
        let procedures: Vec<&Procedure> = by_code.into_values().collect();

        // Pass 1: tokens, frequencies and lengths.
        let mut freq: HashMap<String, Vec<(u32, Frequencies)>> = HashMap::new();
        let mut lengths: Vec<[u32; 3]> = Vec::with_capacity(procedures.len());
        let mut names: Vec<Vec<Token>> = Vec::with_capacity(procedures.len());
        for (doc, p) in procedures.iter().enumerate() {
            let doc = doc as u32;
            let mut local: HashMap<String, Frequencies> = HashMap::new();
            let name = tokens(&p.name);
            for t in &name {
                local.entry(t.folded.clone()).or_default().name += 1;
            }
            let mut n_fields = 0;
            for t in p.fields.iter().flat_map(|f| folded_tokens(f)) {
                local.entry(t).or_default().fields += 1;
                n_fields += 1;
            }
            let mut n_body = 0;
            let body = p
                .results
                .iter()
                .map(String::as_str)
                .chain([p.requirements.as_str()]);
            for t in body.flat_map(folded_tokens) {
                local.entry(t).or_default().body += 1;
                n_body += 1;
            }
            for (term, f) in local {
                freq.entry(term).or_default().push((doc, f));
            }
            lengths.push([name.len() as u32, n_fields, n_body]);
            names.push(name);
        }

        // Pass 2: the dictionary, sorted, and the postings with their BM25F scores.
        let n_docs = procedures.len().max(1) as f32;
        let mut avg = [0f32; 3];
        for l in &lengths {
            for (a, &x) in avg.iter_mut().zip(l) {
                *a += x as f32;
            }
        }
        for a in &mut avg {
            *a = (*a / n_docs).max(1.0);
        }
        let mut entries: Vec<(String, Vec<(u32, Frequencies)>)> = freq.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut terms = Vec::with_capacity(entries.len());
        let mut offsets = Vec::with_capacity(entries.len() + 1);
        let mut postings = Vec::new();
        offsets.push(0);
        for (term, mut list) in entries {
            list.sort_unstable_by_key(|&(doc, _)| doc);
            let df = list.len() as f32;
            let idf = (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln();
            for (doc, f) in list {
                let len = lengths[doc as usize];
                let part = |tf: u32, w: f32, i: usize| {
                    if tf == 0 {
                        0.0
                    } else {
                        w * tf as f32 / (1.0 - B + B * len[i] as f32 / avg[i])
                    }
                };
                let tf =
                    part(f.name, W_NAME, 0) + part(f.fields, W_FIELDS, 1) + part(f.body, W_BODY, 2);
                let score = idf * tf * (K1 + 1.0) / (tf + K1);
                postings.push(Posting { doc, score });
            }
            terms.push(term.into_boxed_str());
            offsets.push(postings.len() as u32);
        }

        // Pass 3: the documents.
        let docs = procedures
            .iter()
            .zip(names)
            .map(|(p, name)| {
                let name_terms: Vec<u32> = name
                    .iter()
                    .filter_map(|t| find_term(&terms, &t.folded))
                    .collect();
                let title_start = match name.as_slice() {
                    [a, b, _, ..] if a.folded == "thu" && b.folded == "tuc" => 2,
                    _ => 0,
                };
                let mut agencies = p.agency_eids.clone();
                agencies.sort_unstable();
                agencies.dedup();
                Doc {
                    code: p.code.clone(),
                    levels: p.levels.clone(),
                    agencies,
                    online_level: p.online_level,
                    fields: p.fields.iter().map(|f| normalize_field(f)).collect(),
                    name_terms,
                    name_lower: name.into_iter().map(|t| t.lower.into_boxed_str()).collect(),
                    title_start,
                }
            })
            .collect();

        let mut index = Self {
            docs,
            terms,
            offsets,
            postings,
            short_prefixes: Vec::new(),
            short_postings: Vec::new(),
        };
        index.build_short_prefixes();
        index
    }

    /// Number of procedures in the index.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// The index holds no procedure.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Runs a query. See the crate documentation for the matching and ranking rules.
    pub fn search(&self, query: &SearchQuery) -> SearchResults {
        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let filter = Filter::new(query);
        let parsed = self.parse(&query.q);

        let mut hits: Vec<(f32, u32)> = Vec::new();
        match &parsed.text {
            Text::None if parsed.code_ranges.is_empty() && !parsed.pinned.is_empty() => {}
            Text::None => {
                for doc in 0..self.docs.len() as u32 {
                    if self.accepts(&filter, &parsed, doc) {
                        hits.push((0.0, doc));
                    }
                }
            }
            Text::Unmatched => {}
            Text::Terms(seq) => {
                for (doc, score) in self.match_terms(seq) {
                    if self.accepts(&filter, &parsed, doc) {
                        let bonus = self.name_bonus(&self.docs[doc as usize], seq);
                        hits.push((score + bonus, doc));
                    }
                }
            }
        }
        for &doc in &parsed.pinned {
            if let Some(hit) = hits.iter_mut().find(|h| h.1 == doc) {
                hit.0 += CODE_BONUS;
            } else if filter.accepts(&self.docs[doc as usize]) {
                hits.push((CODE_BONUS, doc));
            }
        }

        let total = hits.len();
        let by_rank = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let end = query.offset.saturating_add(limit);
        if end < hits.len() && end > 0 {
            hits.select_nth_unstable_by(end - 1, by_rank);
            hits.truncate(end);
        }
        hits.sort_unstable_by(by_rank);
        let hits = hits
            .into_iter()
            .skip(query.offset)
            .take(limit)
            .map(|(score, doc)| Hit {
                code: self.docs[doc as usize].code.clone(),
                score,
            })
            .collect();
        SearchResults { total, hits }
    }

    /// Filters and code-prefix restriction.
    fn accepts(&self, filter: &Filter, parsed: &ParsedQuery, doc: u32) -> bool {
        (parsed.code_ranges.is_empty() || parsed.code_ranges.iter().any(|r| r.contains(&doc)))
            && filter.accepts(&self.docs[doc as usize])
    }

    /// Documents matching every word (the last one as a prefix), with their summed scores.
    fn match_terms(&self, seq: &[(Token, Matcher)]) -> Vec<(u32, f32)> {
        let mut unique: Vec<(&Token, Matcher)> = Vec::with_capacity(seq.len());
        for (t, m) in seq {
            if !unique.iter().any(|(_, u)| u == m) {
                unique.push((t, *m));
            }
        }
        let n = self.docs.len();
        // stamp[d] == i: document d matched the first i words.
        let mut stamp = vec![0u32; n];
        let mut score = vec![0f32; n];
        let mut best = vec![0f32; n];
        let mut touched: Vec<u32> = Vec::new();
        for (i, (_, m)) in unique.iter().enumerate() {
            let i = i as u32;
            touched.clear();
            let mut visit = |postings: &[Posting], factor: f32| {
                for p in postings {
                    let d = p.doc as usize;
                    let s = p.score * factor;
                    if stamp[d] == i {
                        stamp[d] = i + 1;
                        best[d] = s;
                        touched.push(p.doc);
                    } else if stamp[d] == i + 1 && s > best[d] {
                        best[d] = s;
                    }
                }
            };
            match *m {
                Matcher::Exact(t) => visit(self.postings_of(t), 1.0),
                Matcher::Prefix {
                    short: Some((a, b)),
                    ..
                } => visit(&self.short_postings[a as usize..b as usize], 1.0),
                Matcher::Prefix {
                    lo,
                    hi,
                    exact,
                    short: None,
                } => {
                    for t in lo..hi {
                        let factor = if Some(t) == exact {
                            1.0
                        } else {
                            COMPLETION_FACTOR
                        };
                        visit(self.postings_of(t), factor);
                    }
                }
            }
            for &d in &touched {
                score[d as usize] += best[d as usize];
            }
            if touched.is_empty() {
                return Vec::new();
            }
        }
        touched
            .into_iter()
            .map(|d| (d, score[d as usize]))
            .collect()
    }

    /// Phrase, starts-with, whole-name and diacritics bonuses from the name.
    fn name_bonus(&self, doc: &Doc, seq: &[(Token, Matcher)]) -> f32 {
        let mut bonus = 0.0;
        let name = &doc.name_terms;
        let k = seq.len();
        if k > 0 && name.len() >= k {
            let at = |p: usize| {
                seq.iter()
                    .enumerate()
                    .all(|(j, (_, m))| m.matches(name[p + j]))
            };
            let starts = [0, doc.title_start]
                .into_iter()
                .find(|&p| p + k <= name.len() && at(p));
            if let Some(start) = starts {
                bonus += PHRASE_BONUS + STARTS_WITH_BONUS;
                if start + k == name.len() {
                    bonus += WHOLE_NAME_BONUS;
                }
            } else if (0..=name.len() - k).any(at) {
                bonus += PHRASE_BONUS;
            }
        }
        // A query typed with diacritics means every word's form is deliberate ("Vinh Hưng" asks
        // for Vinh); a query typed without any says nothing about them.
        if !seq.iter().any(|(t, _)| t.has_diacritics()) {
            return bonus;
        }
        let last = k.saturating_sub(1);
        for (j, (t, m)) in seq.iter().enumerate() {
            let prefix = j == last && matches!(m, Matcher::Prefix { .. });
            let hit = doc.name_lower.iter().any(|w| {
                if prefix {
                    w.starts_with(t.lower.as_str())
                } else {
                    **w == *t.lower
                }
            });
            if hit {
                bonus += DIACRITICS_BONUS;
            }
        }
        bonus
    }

    /// Precomputes the postings of every prefix of 1 to [`SHORT_PREFIX_CHARS`] characters,
    /// scored as the query would score them (best completion per document, completions
    /// discounted by [`COMPLETION_FACTOR`]).
    fn build_short_prefixes(&mut self) {
        let n = self.docs.len();
        let mut best = vec![0f32; n];
        let mut seen = vec![false; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut prefixes: Vec<(Box<str>, u32, u32)> = Vec::new();
        let mut out = Vec::new();
        for chars in 1..=SHORT_PREFIX_CHARS {
            let mut i = 0;
            while i < self.terms.len() {
                let term = &self.terms[i];
                let end = match term.char_indices().nth(chars) {
                    Some((e, _)) => e,
                    None if term.chars().count() == chars => term.len(),
                    None => {
                        i += 1;
                        continue;
                    }
                };
                let prefix: &str = &term[..end];
                // Sorted terms: those starting with `prefix` follow one another from `i`.
                let j = i + self.terms[i..].partition_point(|t| t.starts_with(prefix));
                for t in i..j {
                    let factor = if *self.terms[t] == *prefix {
                        1.0
                    } else {
                        COMPLETION_FACTOR
                    };
                    for p in self.postings_of(t as u32) {
                        let d = p.doc as usize;
                        let s = p.score * factor;
                        if !seen[d] {
                            seen[d] = true;
                            best[d] = s;
                            touched.push(p.doc);
                        } else if s > best[d] {
                            best[d] = s;
                        }
                    }
                }
                touched.sort_unstable();
                let start = out.len() as u32;
                for &d in &touched {
                    out.push(Posting {
                        doc: d,
                        score: best[d as usize],
                    });
                    seen[d as usize] = false;
                }
                touched.clear();
                prefixes.push((Box::from(prefix), start, out.len() as u32));
                i = j;
            }
        }
        prefixes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.short_prefixes = prefixes;
        self.short_postings = out;
    }

    fn postings_of(&self, term: u32) -> &[Posting] {
        let t = term as usize;
        &self.postings[self.offsets[t] as usize..self.offsets[t + 1] as usize]
    }

    fn doc_by_code(&self, code: &str) -> Option<u32> {
        self.docs
            .binary_search_by(|d| d.code.as_str().cmp(code))
            .ok()
            .map(|d| d as u32)
    }

    /// Documents whose code starts with `prefix` (a range: documents are sorted by code).
    fn code_range(&self, prefix: &str) -> std::ops::Range<u32> {
        let lo = self.docs.partition_point(|d| d.code.as_str() < prefix);
        let len = self.docs[lo..].partition_point(|d| d.code.as_str().starts_with(prefix));
        lo as u32..(lo + len) as u32
    }

    /// Splits a query into procedure codes and words.
    ///
    /// A part shaped like a code (`1.001193`, or a beginning of one such as `1.0011`) that names
    /// an indexed code pins that record first; one that begins indexed codes restricts the
    /// results to them; one that matches no code is read as words (`4.5 tấn`).
    fn parse(&self, q: &str) -> ParsedQuery {
        let mut parsed = ParsedQuery::default();
        let mut words: Vec<&str> = Vec::new();
        let mut last_is_word = false;
        for part in q.split_whitespace() {
            let code = part.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '"' | '\''));
            last_is_word = false;
            if is_code_form(code) {
                if code.len() == 8 {
                    if let Some(doc) = self.doc_by_code(code) {
                        parsed.pinned.push(doc);
                        continue;
                    }
                } else {
                    let range = self.code_range(code);
                    if !range.is_empty() {
                        parsed.code_ranges.push(range);
                        continue;
                    }
                }
            }
            words.push(part);
            last_is_word = true;
        }
        // The last word is unfinished (type-ahead) unless something follows it: a space, a
        // punctuation mark, or a code.
        let open_end = last_is_word
            && q.chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || ('\u{0300}'..='\u{036F}').contains(&c));
        let mut toks: Vec<Token> = words.iter().flat_map(|w| tokens(w)).collect();
        let truncated = toks.len() > MAX_QUERY_TERMS;
        toks.truncate(MAX_QUERY_TERMS);
        if toks.is_empty() {
            return parsed;
        }
        let last = toks.len() - 1;
        let mut seq = Vec::with_capacity(toks.len());
        for (i, t) in toks.into_iter().enumerate() {
            let m = if i == last && open_end && !truncated {
                let lo = self.terms.partition_point(|x| **x < *t.folded);
                let len = self.terms[lo..].partition_point(|x| x.starts_with(t.folded.as_str()));
                if len == 0 {
                    parsed.text = Text::Unmatched;
                    return parsed;
                }
                let exact = (*self.terms[lo] == *t.folded).then_some(lo as u32);
                let short = self
                    .short_prefixes
                    .binary_search_by(|(p, _, _)| (**p).cmp(t.folded.as_str()))
                    .ok()
                    .map(|i| (self.short_prefixes[i].1, self.short_prefixes[i].2));
                Matcher::Prefix {
                    lo: lo as u32,
                    hi: (lo + len) as u32,
                    exact,
                    short,
                }
            } else {
                match find_term(&self.terms, &t.folded) {
                    Some(id) => Matcher::Exact(id),
                    None => {
                        parsed.text = Text::Unmatched;
                        return parsed;
                    }
                }
            };
            seq.push((t, m));
        }
        parsed.text = Text::Terms(seq);
        parsed
    }
}

fn find_term(terms: &[Box<str>], folded: &str) -> Option<u32> {
    terms
        .binary_search_by(|t| (**t).cmp(folded))
        .ok()
        .map(|i| i as u32)
}

/// `D.` followed by up to six digits: a procedure code or the beginning of one.
fn is_code_form(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=8).contains(&b.len())
        && b[0].is_ascii_digit()
        && b[1] == b'.'
        && b[2..].iter().all(u8::is_ascii_digit)
}

#[derive(Debug, Default)]
enum Text {
    /// No words: list (by code) whatever the codes and filters select.
    #[default]
    None,
    /// Some word matches no term: no record can match every word.
    Unmatched,
    Terms(Vec<(Token, Matcher)>),
}

#[derive(Debug, Default)]
struct ParsedQuery {
    /// Records named by an exact code in the query.
    pinned: Vec<u32>,
    /// Code prefixes in the query, as document ranges.
    code_ranges: Vec<std::ops::Range<u32>>,
    text: Text,
}

struct Filter<'q> {
    field: Option<String>,
    level: Option<ProcedureLevel>,
    agency: Option<&'q AgencyEId>,
    online_level: Option<OnlineLevel>,
}

impl<'q> Filter<'q> {
    fn new(q: &'q SearchQuery) -> Self {
        Self {
            field: q
                .field
                .as_deref()
                .map(normalize_field)
                .filter(|f| !f.is_empty()),
            level: q.level,
            agency: q.agency.as_ref(),
            online_level: q.online_level,
        }
    }

    fn accepts(&self, doc: &Doc) -> bool {
        self.level.is_none_or(|l| doc.levels.contains(&l))
            && self.online_level.is_none_or(|o| doc.online_level == o)
            && self
                .agency
                .is_none_or(|a| doc.agencies.binary_search(a).is_ok())
            && self
                .field
                .as_ref()
                .is_none_or(|f| doc.fields.iter().any(|x| x == f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn procedure(code: &str, name: &str, results: &str) -> Procedure {
        Procedure {
            levels: vec![ProcedureLevel::Commune],
            fields: vec!["Hộ tịch".to_string()],
            online_level: OnlineLevel::Full,
            results: vec![results.to_string()],
            ..Procedure::bare(ProcedureCode::parse(code).expect("code"), name)
        }
    }

    #[test]
    fn short_prefix_postings_score_like_the_full_expansion() {
        let list = [
            procedure("1.001193", "Thủ tục đăng ký khai sinh", "Giấy khai sinh"),
            procedure(
                "1.000894",
                "Thủ tục đăng ký kết hôn",
                "Giấy chứng nhận kết hôn",
            ),
            procedure("1.000656", "Thủ tục đăng ký khai tử", "Trích lục khai tử"),
            procedure(
                "2.000815",
                "Chứng thực bản sao từ bản chính",
                "Bản sao được chứng thực",
            ),
            procedure(
                "1.001612",
                "Đăng ký thành lập hộ kinh doanh",
                "Giấy chứng nhận đăng ký",
            ),
        ];
        let fast = SearchIndex::build(&list);
        assert!(!fast.short_prefixes.is_empty());
        let mut slow = SearchIndex::build(&list);
        slow.short_prefixes.clear();
        slow.short_postings.clear();
        for q in [
            "d",
            "k",
            "c",
            "g",
            "b",
            "kh",
            "ch",
            "da",
            "dang k",
            "ho kinh d",
            "z",
            "đ",
            "Đă",
        ] {
            let query = SearchQuery {
                q: q.to_string(),
                ..Default::default()
            };
            assert_eq!(fast.search(&query), slow.search(&query), "query {q:?}");
        }
    }
}

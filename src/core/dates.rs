//! Reading dates as people write them: front matter values and "by DATE" phrases in prose.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Weekday};

/// How a numeric date whose first two numbers could be either day or month is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// Day first (`05/12/2020` is 5 December).
    Dmy,
    /// Month first (`05/12/2020` is 12 May).
    Mdy,
    /// The reading that falls a little after the post's date; month first when unsure.
    #[default]
    Auto,
}

impl DateOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
            DateOrder::Auto => "auto",
        }
    }
}

/// Reads a front-matter date: `2020-12-07`, `2020-12-07 12:01:20 +0000`, RFC 3339, or the same
/// with `/` or `.` between the parts. Only the calendar date as written counts: Jekyll files a
/// post under the date its author typed, whatever the offset.
pub fn parse_front_matter_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let head: String = value
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.'))
        .collect();
    let mut parts = head.split(['-', '/', '.']).filter(|p| !p.is_empty());
    let year = parts.next()?;
    let month = parts.next()?;
    let day = parts.next()?;
    if year.len() != 4 || month.len() > 2 || day.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// The date in a file name: `YYYY-MM-DD-title.md` as Jekyll reads it (and Obsidian's daily
/// notes, `YYYY-MM-DD.md`), or an ISO week `YYYY-Www` (Obsidian's weekly notes, `2024-W03.md`),
/// which stands for the Monday of that week.
pub fn filename_date(path: &str) -> Option<NaiveDate> {
    filename_date_with(path, Weekday::Mon)
}

/// [`filename_date`] with weeks starting on `week_start`: an ISO week name is dated on the
/// last `week_start` day on or before that week's Monday.
pub fn filename_date_with(path: &str, week_start: Weekday) -> Option<NaiveDate> {
    let name = path.rsplit('/').next().unwrap_or(path);
    iso_week_date(name, week_start).or_else(|| {
        let prefix = name.get(..10)?;
        let bytes = prefix.as_bytes();
        if bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        NaiveDate::parse_from_str(prefix, "%Y-%m-%d").ok()
    })
}

/// `YYYY-Www` at the start of a file name, not followed by another digit.
fn iso_week_date(name: &str, week_start: Weekday) -> Option<NaiveDate> {
    let bytes = name.as_bytes();
    if bytes.len() < 8
        || !bytes[..4].iter().all(u8::is_ascii_digit)
        || bytes[4] != b'-'
        || !matches!(bytes[5], b'W' | b'w')
        || !bytes[6..8].iter().all(u8::is_ascii_digit)
        || bytes.get(8).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let year: i32 = name[..4].parse().ok()?;
    let week: u32 = name[6..8].parse().ok()?;
    let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
    let back =
        (7 + monday.weekday().num_days_from_monday() - week_start.num_days_from_monday()) % 7;
    monday.checked_sub_days(chrono::Days::new(u64::from(back)))
}

/// A due date found in prose, with the words it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuePhrase {
    pub date: NaiveDate,
    pub evidence: String,
}

/// How far after the post's date a due date may fall when the day/month order is ambiguous.
const AMBIGUITY_WINDOW_DAYS: i64 = 42;

/// Finds the first "by DATE" phrase in `text`: `by 12/12/2020`, `by 2020-12-12`,
/// `by 12 December 2020`, `by December 12, 2020`. A numeric date that reads both as
/// day/month and month/day takes the reading that falls 0–42 days after `post_date`
/// (month/day when there is no post date or neither reading fits).
pub fn find_due_phrase(text: &str, post_date: Option<NaiveDate>) -> Option<DuePhrase> {
    find_due_phrase_with(text, post_date, DateOrder::Auto)
}

/// [`find_due_phrase`] reading ambiguous numeric dates in the given order.
pub fn find_due_phrase_with(
    text: &str,
    post_date: Option<NaiveDate>,
    order: DateOrder,
) -> Option<DuePhrase> {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; work on the original when it does.
    let haystack = if lower.len() == text.len() {
        lower.as_str()
    } else {
        text
    };
    let mut search_from = 0;
    while let Some(found) = haystack[search_from..].find("by") {
        let start = search_from + found;
        search_from = start + 2;
        let word_starts = haystack[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let rest = &text[start + 2..];
        if !word_starts || !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let after = rest.trim_start();
        if let Some((date, used)) = read_date_words(after, post_date, order) {
            let consumed = rest.len() - after.len() + used;
            let evidence = text[start..start + 2 + consumed].to_string();
            return Some(DuePhrase { date, evidence });
        }
    }
    None
}

/// Reads a date at the start of `text`; returns it and how many bytes it used.
fn read_date_words(
    text: &str,
    post_date: Option<NaiveDate>,
    order: DateOrder,
) -> Option<(NaiveDate, usize)> {
    read_numeric_date(text, post_date, order).or_else(|| read_named_month_date(text))
}

fn read_numeric_date(
    text: &str,
    post_date: Option<NaiveDate>,
    order: DateOrder,
) -> Option<(NaiveDate, usize)> {
    let token_len = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '/' | '-' | '.')))
        .unwrap_or(text.len());
    // A sentence may end right after the date: "by 12/12/2020."
    let token = text[..token_len].trim_end_matches(['.', '-', '/']);
    let separator = token.chars().find(|c| !c.is_ascii_digit())?;
    let parts: Vec<&str> = token.split(separator).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let numbers: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let date = if parts[0].len() == 4 {
        NaiveDate::from_ymd_opt(numbers[0] as i32, numbers[1], numbers[2])?
    } else if parts[2].len() == 4 || parts[2].len() == 2 {
        let year = if parts[2].len() == 2 {
            2000 + numbers[2] as i32
        } else {
            numbers[2] as i32
        };
        let month_first = NaiveDate::from_ymd_opt(year, numbers[0], numbers[1]);
        let day_first = NaiveDate::from_ymd_opt(year, numbers[1], numbers[0]);
        match order {
            DateOrder::Auto => pick_reading(month_first, day_first, post_date)?,
            // Only one reading may be a real date (`13/12`): then it is the one meant.
            DateOrder::Dmy => day_first.or(month_first)?,
            DateOrder::Mdy => month_first.or(day_first)?,
        }
    } else {
        return None;
    };
    Some((date, token.len()))
}

/// Of the two readings of an ambiguous numeric date, the one that is a plausible due date.
fn pick_reading(
    month_first: Option<NaiveDate>,
    day_first: Option<NaiveDate>,
    post_date: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let fits = |date: NaiveDate| {
        post_date.is_some_and(|post| {
            let days = (date - post).num_days();
            (0..=AMBIGUITY_WINDOW_DAYS).contains(&days)
        })
    };
    match (month_first, day_first) {
        (Some(m), Some(d)) if m != d && !fits(m) && fits(d) => Some(d),
        (Some(m), _) => Some(m),
        (None, d) => d,
    }
}

/// The months' English names, lower case: the names dates are read and written with.
pub(crate) const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The month a word names, in full or as a three-letter abbreviation ("Dec", "Dec.").
fn month_number(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.').to_lowercase();
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| *m == word || (word.len() == 3 && m.starts_with(&word)))
        .map(|i| i as u32 + 1)
}

/// What may end a sentence right after a date, and is not part of it.
const TRAILING_PUNCTUATION: [char; 5] = ['.', ',', ')', ';', ':'];

/// `12 December 2020`, `12th December 2020`, `December 12, 2020`, `December 12th 2020`.
fn read_named_month_date(text: &str) -> Option<(NaiveDate, usize)> {
    let words = words_with_ends(text, 3);
    if words.len() < 3 {
        return None;
    }
    let day_of = |w: &str| -> Option<u32> {
        let digits = w.trim_end_matches(',');
        let digits = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|s| digits.strip_suffix(s))
            .unwrap_or(digits);
        digits.parse().ok().filter(|d| (1..=31).contains(d))
    };
    let year_of = |w: &str| -> Option<i32> {
        let w = w.trim_end_matches(TRAILING_PUNCTUATION);
        (w.len() == 4).then(|| w.parse().ok()).flatten()
    };
    let (day, month) = match (day_of(words[0].0), month_number(words[1].0)) {
        (Some(day), Some(month)) => (day, month),
        _ => (day_of(words[1].0)?, month_number(words[0].0)?),
    };
    let year = year_of(words[2].0)?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let (year_word, year_end) = words[2];
    let punctuation = year_word.len() - year_word.trim_end_matches(TRAILING_PUNCTUATION).len();
    Some((date, year_end - punctuation))
}

/// The first `n` white-space separated words of `text`, each with the byte offset of its end.
fn words_with_ends(text: &str, n: usize) -> Vec<(&str, usize)> {
    let mut words = Vec::with_capacity(n);
    let mut rest_start = 0;
    while words.len() < n {
        let rest = &text[rest_start..];
        let skipped = rest.len() - rest.trim_start().len();
        let start = rest_start + skipped;
        if start >= text.len() {
            break;
        }
        let len = text[start..]
            .find(char::is_whitespace)
            .unwrap_or(text.len() - start);
        words.push((&text[start..start + len], start + len));
        rest_start = start + len;
    }
    words
}

/// The forms `--since`/`--until` take, as their error and help name them.
pub const DAY_FORMATS: &str = "YYYY-MM-DD, today, yesterday, N days ago or N weeks ago";

/// A day as `--since` and `--until` take it: a calendar date, or a day counted back from today
/// as git's own `--since` reads `yesterday` or `2 weeks ago` (`2.weeks.ago` too). Which day
/// today is comes from the caller ([`DayArg::on`]), so reading one needs no clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayArg {
    On(NaiveDate),
    DaysAgo(u64),
}

impl DayArg {
    /// The day meant, counting back from `today`; further back than the calendar goes is its
    /// first day.
    pub fn on(self, today: NaiveDate) -> NaiveDate {
        match self {
            DayArg::On(day) => day,
            DayArg::DaysAgo(n) => today
                .checked_sub_days(chrono::Days::new(n))
                .unwrap_or(NaiveDate::MIN),
        }
    }
}

impl std::str::FromStr for DayArg {
    type Err = String;

    fn from_str(text: &str) -> Result<DayArg, String> {
        let text = text.trim();
        if let Ok(day) = text.parse::<NaiveDate>() {
            return Ok(DayArg::On(day));
        }
        let words: Vec<String> = text
            .split(|c: char| c.is_whitespace() || c == '.')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let counted = |n: &str, days: u64| n.parse::<u64>().ok().and_then(|n| n.checked_mul(days));
        let ago = match words.as_slice() {
            ["today"] => Some(0),
            ["yesterday"] => Some(1),
            [n, "day" | "days", "ago"] => counted(n, 1),
            [n, "week" | "weeks", "ago"] => counted(n, 7),
            _ => None,
        };
        if let Some(n) = ago {
            return Ok(DayArg::DaysAgo(n));
        }
        // Shaped like a date but not one (2021-02-30): say that rather than list the forms.
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        Err(if shaped {
            "no such day in the calendar".to_string()
        } else {
            format!("expected {DAY_FORMATS}")
        })
    }
}

/// A git timestamp in its own offset; an offset chrono refuses (beyond ±24 h) reads as UTC.
pub fn to_datetime(seconds: i64, offset_minutes: i32) -> DateTime<FixedOffset> {
    let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
    let offset = FixedOffset::east_opt(offset_minutes.saturating_mul(60)).unwrap_or(utc);
    offset
        .timestamp_opt(seconds, 0)
        .single()
        .or_else(|| utc.timestamp_opt(0, 0).single())
        .unwrap_or_else(|| DateTime::UNIX_EPOCH.with_timezone(&utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_and_until_read_relative_days_against_the_today_given() {
        let today = NaiveDate::from_ymd_opt(2021, 2, 10).unwrap();
        let day = |text: &str| text.parse::<DayArg>().map(|d| d.on(today));
        let date = |y, m, d| Ok(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(day("2021-01-04"), date(2021, 1, 4));
        assert_eq!(day("today"), date(2021, 2, 10));
        assert_eq!(day("Yesterday"), date(2021, 2, 9));
        assert_eq!(day("3 days ago"), date(2021, 2, 7));
        assert_eq!(day("1 day ago"), date(2021, 2, 9));
        assert_eq!(day("2 weeks ago"), date(2021, 1, 27));
        assert_eq!(day("2.weeks.ago"), date(2021, 1, 27));
        assert_eq!(day(" 1  week  ago "), date(2021, 2, 3));
        // Far back is the calendar's first day, not a panic.
        assert_eq!(day("18446744073709551615 days ago"), Ok(NaiveDate::MIN));
        assert_eq!(
            day("18446744073709551615 weeks ago"),
            Err(format!("expected {DAY_FORMATS}"))
        );
        // What is not a day says which forms are.
        for bad in [
            "yesterdy",
            "last week",
            "3 days",
            "-2 days ago",
            "2021/02/30",
            "",
        ] {
            assert_eq!(day(bad), Err(format!("expected {DAY_FORMATS}")), "{bad:?}");
        }
        assert_eq!(
            day("2021-02-30"),
            Err("no such day in the calendar".to_string())
        );
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn front_matter_dates_in_the_formats_jekyll_and_hugo_use() {
        for value in [
            "2020-12-07",
            "2020-12-07 12:01:20 +0000",
            "2020-12-07T12:01:20Z",
            "2020-12-07T23:30:00-08:00",
            "\"2020-12-07\"",
            "2020/12/07",
            "2020-12-7",
        ] {
            assert_eq!(
                parse_front_matter_date(value),
                Some(ymd(2020, 12, 7)),
                "{value}"
            );
        }
        assert_eq!(parse_front_matter_date("yesterday"), None);
        assert_eq!(parse_front_matter_date("2020-13-40"), None);
        assert_eq!(parse_front_matter_date("20-12-07"), None);
    }

    #[test]
    fn filename_dates() {
        assert_eq!(
            filename_date("_posts/2020-12-07-RC-Week-4.md"),
            Some(ymd(2020, 12, 7))
        );
        assert_eq!(filename_date("2021-01-09-Daily.md"), Some(ymd(2021, 1, 9)));
        assert_eq!(filename_date("_posts/about.md"), None);
        assert_eq!(filename_date("_posts/2020-1-07-x.md"), None);
        assert_eq!(filename_date("é"), None);
    }

    #[test]
    fn iso_week_file_names_are_dated_on_the_first_day_of_the_week() {
        // 2024-W03 runs Monday 15 to Sunday 21 January 2024.
        assert_eq!(filename_date("journal/2024-W03.md"), Some(ymd(2024, 1, 15)));
        assert_eq!(filename_date("2024-w03 review.md"), Some(ymd(2024, 1, 15)));
        // ISO week 1 of 2021 starts on 4 January; week 53 of 2020 exists.
        assert_eq!(filename_date("2021-W01.md"), Some(ymd(2021, 1, 4)));
        assert_eq!(filename_date("2020-W53.md"), Some(ymd(2020, 12, 28)));
        assert_eq!(filename_date("2021-W53.md"), None);
        assert_eq!(filename_date("2024-W031.md"), None);
        assert_eq!(
            filename_date_with("2024-W03.md", Weekday::Sun),
            Some(ymd(2024, 1, 14))
        );
        // Daily notes keep their own date.
        assert_eq!(filename_date("daily/2024-01-17.md"), Some(ymd(2024, 1, 17)));
    }

    #[test]
    fn date_order_settles_ambiguous_numeric_dates() {
        let post = Some(ymd(2020, 5, 1));
        let read = |order| find_due_phrase_with("by 05/12/2020", post, order).map(|p| p.date);
        assert_eq!(read(DateOrder::Dmy), Some(ymd(2020, 12, 5)));
        assert_eq!(read(DateOrder::Mdy), Some(ymd(2020, 5, 12)));
        assert_eq!(read(DateOrder::Auto), Some(ymd(2020, 5, 12)));
        // Only one reading is a date: it wins whatever the order.
        let only = find_due_phrase_with("by 12/31/2020", None, DateOrder::Dmy).map(|p| p.date);
        assert_eq!(only, Some(ymd(2020, 12, 31)));
    }

    #[test]
    fn due_phrase_spellings() {
        let post = Some(ymd(2020, 12, 7));
        for (text, evidence) in [
            (
                "tasks that I can finish by 12/12/2020 and how",
                "by 12/12/2020",
            ),
            ("finish by 2020-12-12.", "by 2020-12-12"),
            ("done by 12 December 2020, I hope", "by 12 December 2020"),
            ("done by December 12, 2020.", "by December 12, 2020"),
            ("done By Dec 12th 2020", "By Dec 12th 2020"),
        ] {
            let found = find_due_phrase(text, post).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(found.date, ymd(2020, 12, 12), "{text}");
            assert_eq!(found.evidence, evidence);
        }
    }

    #[test]
    fn ambiguous_day_month_takes_the_reading_after_the_post() {
        // 05/12/2020 after a post of 2020-12-01: 5 December, not 12 May.
        let found = find_due_phrase("by 05/12/2020", Some(ymd(2020, 12, 1))).unwrap();
        assert_eq!(found.date, ymd(2020, 12, 5));
        // After a post of 2020-05-01: 12 May.
        let found = find_due_phrase("by 05/12/2020", Some(ymd(2020, 5, 1))).unwrap();
        assert_eq!(found.date, ymd(2020, 5, 12));
        // 13/12/2020 can only be day/month.
        let found = find_due_phrase("by 13/12/2020", None).unwrap();
        assert_eq!(found.date, ymd(2020, 12, 13));
    }

    #[test]
    fn words_that_are_not_due_phrases() {
        assert_eq!(find_due_phrase("written by hand in 2020", None), None);
        assert_eq!(find_due_phrase("nearby 12/12/2020", None), None);
        assert_eq!(find_due_phrase("by 4/12 weeks", None), None);
        assert_eq!(find_due_phrase("standby", None), None);
        assert_eq!(find_due_phrase("by", None), None);
    }

    #[test]
    fn first_plausible_phrase_wins() {
        let text = "Written by me. I will finish by 2021-01-03 or by 2021-01-10.";
        let found = find_due_phrase(text, None).unwrap();
        assert_eq!(found.date, ymd(2021, 1, 3));
    }

    #[test]
    fn datetime_keeps_the_authors_offset() {
        let time = to_datetime(1_627_616_487, 60);
        assert_eq!(time.to_rfc3339(), "2021-07-30T04:41:27+01:00");
    }
}

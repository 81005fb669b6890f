//! Counting tasks: done out of total, per section and per confidence rating; and how a share
//! reads (`52%` in text, three decimals in JSON).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::core::model::Task;

/// Done out of total for some group of tasks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub total: usize,
    pub done: usize,
}

impl Tally {
    pub fn add(&mut self, done: bool) {
        self.total += 1;
        self.done += usize::from(done);
    }

    /// Share done, 0 when there is nothing to do.
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.done as f64 / self.total as f64
        }
    }
}

/// `52%`.
pub fn percent(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

/// Ratios in JSON carry three decimals: enough to compare, short enough to read.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Tallies keyed by name, in the order the keys first appeared; serialized as a JSON object.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Breakdown(pub Vec<(String, Tally)>);

impl Breakdown {
    pub fn add(&mut self, key: &str, done: bool) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, tally)) => tally.add(done),
            None => {
                let mut tally = Tally::default();
                tally.add(done);
                self.0.push((key.to_string(), tally));
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<Tally> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, t)| *t)
    }
}

impl Serialize for Breakdown {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, tally) in &self.0 {
            map.serialize_entry(key, tally)?;
        }
        map.end()
    }
}

/// The key a task's rating is counted under: `"3"`, or `"unrated"`.
pub fn confidence_key(confidence: Option<u8>) -> String {
    confidence.map_or_else(|| "unrated".to_string(), |c| c.to_string())
}

/// Tallies by rating, lowest rating first and `unrated` last.
pub fn by_confidence<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> Breakdown {
    let mut breakdown = Breakdown::default();
    for task in tasks {
        breakdown.add(&confidence_key(task.confidence), task.checked);
    }
    breakdown
        .0
        .sort_by_key(|(key, _)| key.parse::<u8>().map_or(u16::MAX, u16::from));
    breakdown
}

/// Tallies by section path, in the order sections appear in the post.
pub fn by_section<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> Breakdown {
    let mut breakdown = Breakdown::default();
    for task in tasks {
        breakdown.add(&task.section_path(), task.checked);
    }
    breakdown
}

/// Done out of total over all tasks.
pub fn overall<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> Tally {
    let mut tally = Tally::default();
    for task in tasks {
        tally.add(task.checked);
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(section: &[&str], confidence: Option<u8>, checked: bool) -> Task {
        Task {
            title: "t".into(),
            note: Default::default(),
            checked,
            confidence,
            section: section.iter().map(|s| s.to_string()).collect(),
            parent: None,
            line: 1,
            marker: 0..3,
            ..Task::default()
        }
    }

    #[test]
    fn breakdowns_keep_section_order_and_sort_ratings() {
        let tasks = [
            task(&["B"], Some(4), true),
            task(&["A", "x"], None, false),
            task(&["B"], Some(1), false),
            task(&["A", "x"], Some(4), false),
        ];
        let sections = by_section(&tasks);
        assert_eq!(sections.0[0].0, "B");
        assert_eq!(sections.get("B"), Some(Tally { total: 2, done: 1 }));
        assert_eq!(sections.get("A > x"), Some(Tally { total: 2, done: 0 }));
        let ratings = by_confidence(&tasks);
        let keys: Vec<&str> = ratings.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["1", "4", "unrated"]);
        assert_eq!(ratings.get("4"), Some(Tally { total: 2, done: 1 }));
        assert_eq!(overall(&tasks), Tally { total: 4, done: 1 });
        let json = serde_json::to_string(&ratings).unwrap();
        assert_eq!(
            json,
            r#"{"1":{"total":1,"done":0},"4":{"total":2,"done":1},"unrated":{"total":1,"done":0}}"#
        );
    }

    #[test]
    fn empty_tally_ratio_is_zero() {
        assert_eq!(Tally::default().ratio(), 0.0);
    }
}

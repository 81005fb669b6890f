//! Task events stage: what happened to each task between two versions of one post — added,
//! removed, checked, unchecked, edited, moved — from the pairing that [`crate::core::matching`] finds.
//!
//! Only changes a reader of the goals would call events are reported. Re-ordering tasks,
//! re-rating confidence, and adding or changing a note after the title produce no event: the
//! pairing carries the task through them, and the current version holds the new values.

use serde::Serialize;

use crate::core::matching::pair_task_refs;
use crate::core::model::{EventKind, Task};

/// One event between two versions of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: EventKind,
    /// The task's index in the old version; `None` for [`EventKind::Added`].
    pub old: Option<usize>,
    /// The task's index in the new version; `None` for [`EventKind::Removed`].
    pub new: Option<usize>,
}

/// How one version of a post's task list became the next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// `(old, new)` indices of the same task in both versions, sorted by the new index.
    pub pairs: Vec<(usize, usize)>,
    /// Events in a fixed order: by new index (a task's own events as edited, moved, then
    /// checked or unchecked), then removals by old index.
    pub changes: Vec<Change>,
}

/// Compares two versions of one post's task list. One task may yield several events in one
/// step (retitled and ticked in the same commit gives `edited` and `checked`).
pub fn diff(old: &[Task], new: &[Task]) -> Diff {
    let old: Vec<&Task> = old.iter().collect();
    let new: Vec<&Task> = new.iter().collect();
    diff_paired(&old, &new, pair_task_refs(&old, &new))
}

/// [`diff`] with the pairing already found (`(old, new)` indices sorted by the new index,
/// as [`crate::core::matching::pair_tasks`] gives them).
pub fn diff_paired(old: &[&Task], new: &[&Task], pairs: Vec<(usize, usize)>) -> Diff {
    let mut old_of_new: Vec<Option<usize>> = vec![None; new.len()];
    let mut old_paired = vec![false; old.len()];
    for &(o, n) in &pairs {
        old_of_new[n] = Some(o);
        old_paired[o] = true;
    }

    let mut changes = Vec::new();
    for (n, task) in new.iter().enumerate() {
        let Some(o) = old_of_new[n] else {
            changes.push(Change {
                kind: EventKind::Added,
                old: None,
                new: Some(n),
            });
            continue;
        };
        let before = old[o];
        let mut push = |kind| {
            changes.push(Change {
                kind,
                old: Some(o),
                new: Some(n),
            })
        };
        // Equal titles first: most pairs keep theirs, often the very same shared copy.
        if before.title != task.title && !same_words(&before.title, &task.title) {
            push(EventKind::Edited);
        }
        if before.section != task.section {
            push(EventKind::Moved);
        }
        match (before.checked, task.checked) {
            (false, true) => push(EventKind::Checked),
            (true, false) => push(EventKind::Unchecked),
            _ => {}
        }
    }
    for (o, paired) in old_paired.iter().enumerate() {
        if !paired {
            changes.push(Change {
                kind: EventKind::Removed,
                old: Some(o),
                new: None,
            });
        }
    }
    Diff { pairs, changes }
}

/// Equal but for runs of whitespace: re-wrapping a line is not an edit, a change of letter
/// case is (the reader sees it).
fn same_words(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(title: &str, checked: bool, section: &[&str]) -> Task {
        Task {
            title: title.into(),
            note: Default::default(),
            checked,
            confidence: None,
            section: section.iter().map(|s| (*s).to_owned()).collect(),
            parent: None,
            line: 1,
            marker: 2..5,
            ..Task::default()
        }
    }

    fn open(title: &str) -> Task {
        task(title, false, &["Courses"])
    }

    fn change(kind: EventKind, old: Option<usize>, new: Option<usize>) -> Change {
        Change { kind, old, new }
    }

    #[test]
    fn unchanged_post_has_no_events() {
        let post = vec![open("CS242 HW 1"), open("Finish studies on wavelets")];
        let d = diff(&post, &post);
        assert_eq!(d.pairs, vec![(0, 0), (1, 1)]);
        assert!(d.changes.is_empty());
    }

    #[test]
    fn first_version_adds_every_task() {
        let post = vec![open("CS242 HW 1"), open("Graphics homework 0")];
        let d = diff(&[], &post);
        assert_eq!(
            d.changes,
            vec![
                change(EventKind::Added, None, Some(0)),
                change(EventKind::Added, None, Some(1)),
            ]
        );
    }

    #[test]
    fn added_and_removed() {
        let old = vec![open("CS242 HW 1"), open("Watch the lecture")];
        let new = vec![open("CS242 HW 1"), open("Graphics homework 0")];
        let d = diff(&old, &new);
        assert_eq!(d.pairs, vec![(0, 0)]);
        assert_eq!(
            d.changes,
            vec![
                change(EventKind::Added, None, Some(1)),
                change(EventKind::Removed, Some(1), None),
            ]
        );
    }

    #[test]
    fn checked_and_unchecked() {
        let old = vec![open("Gym"), task("Read", true, &["Courses"])];
        let new = vec![task("Gym", true, &["Courses"]), open("Read")];
        assert_eq!(
            diff(&old, &new).changes,
            vec![
                change(EventKind::Checked, Some(0), Some(0)),
                change(EventKind::Unchecked, Some(1), Some(1)),
            ]
        );
    }

    #[test]
    fn small_title_edit_is_edited_not_removed_and_added() {
        let old = vec![open("Finsih studies on wavelets")];
        let new = vec![open("Finish studies on wavelets")];
        assert_eq!(
            diff(&old, &new).changes,
            vec![change(EventKind::Edited, Some(0), Some(0))]
        );
    }

    #[test]
    fn new_number_is_a_new_task() {
        let old = vec![open("CS242 HW 3")];
        let new = vec![open("CS242 HW 4")];
        assert_eq!(
            diff(&old, &new).changes,
            vec![
                change(EventKind::Added, None, Some(0)),
                change(EventKind::Removed, Some(0), None),
            ]
        );
    }

    #[test]
    fn section_change_is_moved() {
        let old = vec![
            open("Gym"),
            task("PixelCNN++", false, &["Papers", "CS294 week 1"]),
        ];
        let new = vec![
            task("PixelCNN++", false, &["Papers", "CS294 week 2"]),
            open("Gym"),
        ];
        assert_eq!(
            diff(&old, &new).changes,
            vec![change(EventKind::Moved, Some(1), Some(0))]
        );
    }

    #[test]
    fn edited_and_checked_in_one_step_gives_both() {
        let old = vec![open("Finish studies on wavelets")];
        let new = vec![task("Finish the studies on wavelets", true, &["Done"])];
        assert_eq!(
            diff(&old, &new).changes,
            vec![
                change(EventKind::Edited, Some(0), Some(0)),
                change(EventKind::Moved, Some(0), Some(0)),
                change(EventKind::Checked, Some(0), Some(0)),
            ]
        );
    }

    #[test]
    fn reordering_rerating_and_notes_are_not_events() {
        let old = vec![open("Gym"), open("Read"), open("Cook")];
        let mut new = vec![open("Cook"), open("Gym"), open("Read")];
        new[0].confidence = Some(3);
        new[1].note = "twice this week".into();
        new[2].title = "Read ".into();
        let d = diff(&old, &new);
        assert_eq!(d.pairs, vec![(2, 0), (0, 1), (1, 2)]);
        assert!(d.changes.is_empty(), "{:?}", d.changes);
    }

    #[test]
    fn change_of_letter_case_is_an_edit() {
        let d = diff(
            &[open("read the wavenet paper")],
            &[open("Read the WaveNet paper")],
        );
        assert_eq!(d.changes, vec![change(EventKind::Edited, Some(0), Some(0))]);
    }

    #[test]
    fn events_come_in_new_order_then_removals_in_old_order() {
        let old = vec![open("Alpha"), open("Gym"), open("Beta"), open("Read")];
        let new = vec![open("Read"), open("Cook"), task("Gym", true, &["Courses"])];
        assert_eq!(
            diff(&old, &new).changes,
            vec![
                change(EventKind::Added, None, Some(1)),
                change(EventKind::Checked, Some(1), Some(2)),
                change(EventKind::Removed, Some(0), None),
                change(EventKind::Removed, Some(2), None),
            ]
        );
    }

    #[test]
    fn ten_thousand_tasks_three_ticks_one_edit() {
        let old: Vec<Task> = (0..10_000)
            .map(|i| open(&format!("Read section {i} of the handbook")))
            .collect();
        let mut new = old.clone();
        for i in [17, 4_242, 9_998] {
            new[i].checked = true;
        }
        new[5_000].title = "Read section 5000 of the hanbdook".into();
        let d = diff(&old, &new);
        assert_eq!(d.pairs.len(), 10_000);
        assert_eq!(
            d.changes,
            vec![
                change(EventKind::Checked, Some(17), Some(17)),
                change(EventKind::Checked, Some(4_242), Some(4_242)),
                change(EventKind::Edited, Some(5_000), Some(5_000)),
                change(EventKind::Checked, Some(9_998), Some(9_998)),
            ]
        );
    }
}

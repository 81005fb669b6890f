//! The site's data file delivered: `gitgoals export` writes it into the work tree, and with
//! `[export] on_commit = true` the pre-commit hook refreshes it and stages it beside the
//! commit's posts. It is then the one file besides the posts (and their opt-in charts) that
//! the hook stages, because the user asked for it; nothing else is staged.

use std::fs;
use std::path::{Path, PathBuf};

use crate::core::delta::CommitDelta;
use crate::core::ledger::Ledger;
use crate::error::Error;
use crate::git::index::{StagedEntry, StagedIndex};
use crate::render::export::{self, Site};
use crate::session::Session;

use super::{
    CommitBeingMade, entry_for_written, inside_work_tree, post_selector, write_atomically,
};

/// The data file's path in the work tree, its folder checked to be a real folder inside it
/// (a `_data` that is a link out of the repository is refused).
fn target(work_tree: &Path, site: Site) -> Result<PathBuf, Error> {
    let file = work_tree.join(site.data_path());
    let dir = file.parent().ok_or(Error::NotRegularFile)?;
    if fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir()) {
        return Err(Error::NotAFolder {
            dir: dir.to_path_buf(),
        });
    }
    fs::create_dir_all(dir).map_err(Error::io(dir))?;
    inside_work_tree(work_tree, dir)?;
    if fs::symlink_metadata(&file).is_ok_and(|m| !m.is_file()) {
        return Err(Error::NotRegularFile);
    }
    Ok(file)
}

/// Writes the data file of `ledger` for `site`; false when the file already held exactly
/// that (it is then not touched).
pub fn write(work_tree: &Path, site: Site, ledger: &Ledger) -> Result<(PathBuf, bool), Error> {
    let bytes = export::render(ledger)?;
    let file = target(work_tree, site)?;
    if fs::read(&file).is_ok_and(|old| old == bytes) {
        return Ok((file, false));
    }
    write_atomically(&file, &bytes, None)?;
    Ok((file, true))
}

/// Computes the history as it will be once the commit is made (`pending` on the commit's
/// first parent) and gives its ledger.
pub type LedgerSource<'a> = dyn Fn(&CommitDelta) -> Result<Ledger, Error> + 'a;

/// `[export] on_commit`: the data file for the history as it will be after the commit being
/// made, written and staged (in the index git hands the hook and, for `git commit PATH`, in
/// the real index too). Gives the repository path when it was staged anew; `None` when the
/// staged file is already current.
pub fn on_commit(
    session: &Session,
    made: &CommitBeingMade,
    ledger_of: &LedgerSource<'_>,
) -> Result<Option<&'static str>, Error> {
    let repo = session.repo()?;
    let work_tree = repo.work_dir().ok_or(Error::Bare)?;
    let site = session.config.export_site.value;
    let path = site.data_path();
    let mut index = StagedIndex::open(repo)?;
    let globs = session.read.globs();
    let posts = post_selector(&globs, |dir| index.has_file_under(dir))?;
    let pending = index.pending_commit(&made.parents, made.time, &|p| posts.is_post(p))?;
    let ledger = ledger_of(&pending)?;
    let bytes = export::render(&ledger)?;
    let file = target(&work_tree, site)?;
    let on_disk = fs::read(&file).is_ok_and(|old| old == bytes);
    if index.holds(path, &bytes) && on_disk {
        return Ok(None);
    }
    if !on_disk {
        write_atomically(&file, &bytes, None)?;
    }
    let id = index.write_blob(&bytes)?;
    let entry = entry_for_written(
        &StagedEntry::new_file(path, id),
        (id, &bytes),
        &work_tree,
        path,
    );
    let mut real_index = index.partial_commit_real_index();
    index.stage(&entry)?;
    index.write()?;
    if let Some(real) = real_index.as_mut() {
        // Best effort, as for the posts: the commit is right without it.
        if real.stage(&entry).is_ok() {
            let _ = real.write();
        }
    }
    Ok(Some(path))
}

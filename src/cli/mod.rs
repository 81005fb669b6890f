//! The command line: runs a parsed command on a session and prints what the views render.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use crate::core::delta::CommitDelta;
use crate::core::ledger::{self, Status};
use crate::core::select::{self, PostSelector};
use crate::render::plan as plan_view;
use crate::session::{Args as SessionArgs, Session};
use crate::{core::forecast, core::post, core::trends, demo, hook, render::chart, render::report};

mod args;

pub use args::{Cli, ColorWhen, Command, Format, HookAction, TableFormat};

/// Runs one command line and gives the exit code: 0 success, 1 failure (2, bad usage, is
/// clap's). Errors are returned for `main` to print with their causes.
pub fn run(cli: Cli) -> Result<u8> {
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let args = SessionArgs {
        dir: cli.repo.clone(),
        posts: cli.posts.clone(),
        settings: cli.set.clone(),
        use_cache: !cli.no_cache,
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command(), "gitgoals", &mut script);
            print(&String::from_utf8_lossy(&script))?;
            Ok(0)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command())
                .render(&mut page)
                .map_err(Error::cannot("render the manual page"))?;
            print(&String::from_utf8_lossy(&page))?;
            Ok(0)
        }
        Command::Hook {
            action: HookAction::Run {
                strict, template, ..
            },
        } => Ok(run_pre_commit(&args, strict, template)),
        Command::MergeDriver {
            base,
            ours,
            theirs,
            path,
            marker_size,
        } => Ok(merge_driver(
            &args,
            &hook::MergeFiles {
                base,
                ours,
                theirs,
                path,
                marker_size,
            },
        )),
        Command::Demo { dir } => {
            let base = match &cli.repo {
                Some(dir) => dir.clone(),
                None => std::env::current_dir().map_err(Error::CurrentDir)?,
            };
            demo(&base.join(dir), &args)?;
            Ok(0)
        }
        command => {
            let mut session = Session::open(&args)?;
            session.show_config_warnings();
            // The hook and the merge driver run inside git on every commit and merge: walking
            // HEAD's whole tree there to repeat a warning the user sees from any other command
            // would cost every commit.
            if !matches!(command, Command::Hook { .. } | Command::MergeDriver { .. }) {
                for problem in session.posts_glob_problems() {
                    session.warn(problem);
                }
            }
            run_with_session(&session, command)
        }
    }
}

/// Runs a command on a resolved session: the seam tests call.
pub fn run_with_session(session: &Session, command: Command) -> Result<u8> {
    match command {
        Command::Config { format } => {
            // The posts the settings choose, worked out against HEAD: `posts = []` alone
            // does not say which files are read.
            let selection = session.selector().ok().map(|s| s.describe());
            match format {
                Format::Text => {
                    let mut text = session.config.describe(session.config_file.as_deref());
                    if let Some(selection) = &selection {
                        text.push_str(&format!("# posts read: {selection}\n"));
                    }
                    print(&text)?
                }
                Format::Json => print_json(
                    &session
                        .config
                        .document(session.config_file.as_deref(), selection.as_deref()),
                )?,
            }
        }
        Command::Plan {
            write,
            date,
            backtest,
            format,
            today,
        } => {
            let today = today.unwrap_or_else(|| now().date_naive());
            if backtest {
                plan_backtest(session, format, today)?;
            } else {
                plan(session, write, date, format, today)?;
            }
        }
        Command::Show {
            path,
            format,
            today,
        } => {
            // History's reading of the post, when it has one: `show` and `history` then
            // agree on its date and due date. Outside a repository a file is read alone.
            // A named file is shown even when the history cannot be read.
            let ledger = match (&path, session.repo()) {
                (_, Err(_)) => None,
                (Some(_), Ok(_)) => session.ledger().ok(),
                (None, Ok(_)) => Some(session.ledger()?),
            };
            let path = match path {
                Some(path) => session.resolve_path(&path),
                None => newest_goals_post(session, ledger.as_ref())?,
            };
            let bytes =
                std::fs::read(&path).map_err(Error::cannot(format!("read {}", path.display())))?;
            // The newest post is found under the work tree; name it as people would type it.
            let shown = path
                .strip_prefix(&session.base)
                .unwrap_or(&path)
                .display()
                .to_string();
            let parse = session.parse_options();
            let mut post = post::parse_with(&shown, &bytes, parse);
            let week = session.repo_path(&path).and_then(|in_repo| {
                ledger
                    .as_ref()
                    .and_then(|ledger| ledger.weeks.iter().find(|w| w.path == in_repo))
            });
            if let Some(week) = week {
                report::fill_from_history(&mut post, week);
            }
            match format {
                Format::Text => {
                    let mut text = report::show_text(&shown, &post, parse.rating_scale);
                    let today = today.unwrap_or_else(|| now().date_naive());
                    if let Some(line) = midweek_line(session, ledger.as_ref(), &shown, &post, today)
                    {
                        text.push_str(&format!("\nforecast  {line}\n"));
                    }
                    print(&crate::render::style::paint(&text))?
                }
                Format::Json => print_json(&report::ShowDocument::new(&shown, &post))?,
            }
        }
        Command::History {
            since,
            until,
            today,
            last,
            format,
            chart,
        } => {
            let today = today.unwrap_or_else(|| now().date_naive());
            let (since, until) = (since.map(|d| d.on(today)), until.map(|d| d.on(today)));
            let ledger = session.ledger()?;
            let mut weeks: Vec<&ledger::Week> = ledger
                .weeks
                .iter()
                .filter(|w| since.is_none_or(|d| w.date >= d) && until.is_none_or(|d| w.date <= d))
                .collect();
            if let Some(n) = last {
                weeks.drain(..weeks.len().saturating_sub(n));
            }
            if let Some(path) = &chart {
                let (points, grouping) = trends::chart_points(&weeks);
                write_chart(path, &chart::history_svg(&points, grouping)?)?;
            }
            match format {
                TableFormat::Text => print(&crate::render::style::paint(&report::history_text(
                    &ledger, &weeks,
                )))?,
                TableFormat::Json => print_json(&report::history_document(&ledger, &weeks))?,
                TableFormat::Csv => print(&report::history_csv(&weeks))?,
                TableFormat::Markdown => print(&report::history_markdown(&ledger, &weeks))?,
            }
        }
        Command::Tasks {
            open,
            post,
            carried,
            format,
        } => {
            let (history, ledger) = session.history_and_ledger()?;
            let post = post
                .map(|p| post_in_history(session, ledger.weeks.iter().map(|w| w.path.as_str()), &p))
                .transpose()?;
            let records: Vec<&ledger::TaskRecord> = ledger
                .tasks
                .iter()
                // An open task carried into a later week lives on there: its old copy is no
                // open goal (the carried goal may since be done).
                .filter(|r| !open || (r.status == Status::Open && r.carried_to.is_none()))
                .filter(|r| {
                    post.as_deref()
                        .is_none_or(|p| ledger.weeks[r.week].path == p)
                })
                .filter(|r| !carried || r.carried_from.is_some() || r.carried_to.is_some())
                .collect();
            match format {
                TableFormat::Text => print(&crate::render::style::paint(&report::tasks_text(
                    &ledger,
                    &records,
                    session.rating_scale(),
                )))?,
                TableFormat::Json => {
                    print_json(&report::tasks_document(&ledger, &history, &records))?
                }
                TableFormat::Csv => print(&report::tasks_csv(&ledger, &records))?,
                TableFormat::Markdown => print(&report::tasks_markdown(&ledger, &records))?,
            }
        }
        Command::Hook { action } => return run_hook(session, action),
        Command::Stats {
            files,
            check,
            force,
            template,
            since,
            commit,
        } => {
            let options = hook::RunOptions {
                strict: true,
                template,
                force,
                blocks_only: commit,
            };
            return stats(session, files, check, since.as_deref(), commit, &options);
        }
        Command::Export { jekyll, hugo } => {
            let work_tree = session.work_tree().ok_or(Error::Bare)?;
            let site = if hugo {
                crate::render::export::Site::Hugo
            } else if jekyll {
                crate::render::export::Site::Jekyll
            } else {
                session.config.export_site.value
            };
            let ledger = session.ledger()?;
            let (_, changed) = hook::export::write(&work_tree, site, &ledger)?;
            print(&format!(
                "gitgoals: {} {} ({})\n",
                if changed { "wrote" } else { "unchanged:" },
                site.data_path(),
                crate::render::count(ledger.weeks.len(), "goals post")
            ))?;
        }
        Command::InitCi => {
            let work_tree = session.work_tree().ok_or(Error::Bare)?;
            let path = hook::ci::init(&work_tree)?;
            let shown = path.strip_prefix(&work_tree).unwrap_or(&path);
            print(&format!(
                "wrote {}: on each push, the stats blocks of the goals posts it changed are refreshed and committed by gitgoals\ncommit it, and fill in where the workflow installs gitgoals from\n",
                shown.display()
            ))?;
        }
        Command::Calibration { chart, format } => {
            let ledger = session.ledger()?;
            let today = chrono::Local::now().date_naive();
            let calibration = trends::calibration(&ledger, Some(today), session.rating_scale());
            if let Some(path) = &chart {
                write_chart(path, &chart::calibration_svg(&calibration)?)?;
            }
            match format {
                Format::Text => print(&crate::render::trends::calibration_text(&calibration))?,
                Format::Json => print_json(&crate::render::trends::calibration_document(
                    &ledger,
                    &calibration,
                    Some(today),
                ))?,
            }
        }
        Command::Carry {
            explain: true,
            format,
            ..
        } => {
            let (history, ledger) = session.history_and_ledger()?;
            let weeks = ledger::explain_carry(&history, &ledger);
            match format {
                Format::Text => print(&crate::render::trends::carry_explain_text(&ledger, &weeks))?,
                Format::Json => print_json(&crate::render::trends::carry_explain_document(
                    &ledger, &weeks,
                ))?,
            }
        }
        Command::Carry {
            min_weeks, format, ..
        } => {
            let ledger = session.ledger()?;
            let chains = trends::carry_chains(&ledger, min_weeks);
            let oldest = trends::oldest_open(&ledger);
            match format {
                Format::Text => print(&crate::render::trends::carry_text(
                    &ledger,
                    &chains,
                    oldest.as_ref(),
                    min_weeks,
                ))?,
                Format::Json => print_json(&crate::render::trends::carry_document(
                    &ledger,
                    &chains,
                    oldest.as_ref(),
                    min_weeks,
                ))?,
            }
        }
        Command::Report { html } => {
            let ledger = session.ledger()?;
            let today = chrono::Local::now().date_naive();
            let calibration = trends::calibration(&ledger, Some(today), session.rating_scale());
            let chains = trends::carry_chains(&ledger, 2);
            let oldest = trends::oldest_open(&ledger);
            let page = chart::report_html(&ledger, &calibration, &chains, oldest.as_ref())?;
            std::fs::write(&html, page).map_err(Error::cannot(format!(
                "write the report {}",
                html.display()
            )))?;
            eprintln!("gitgoals: report written to {}", html.display());
        }
        Command::Watch { format, exec } => {
            let options = crate::watch::Options {
                format,
                exec,
                debounce: crate::watch::DEFAULT_DEBOUNCE,
            };
            crate::watch::run(session, &options)?;
        }
        Command::Log {
            max_count,
            post,
            format,
        } => {
            let (history, _) = session.history_and_ledger()?;
            let post = post
                .map(|p| {
                    post_in_history(session, history.posts.iter().map(|h| h.path.as_str()), &p)
                })
                .transpose()?;
            // A post that opted out (`gitgoals: false`) reads as having no tasks now; its
            // tasks' earlier lives are left out too, not shown as removed.
            let mut with_tasks: Vec<bool> = vec![false; history.posts.len()];
            for life in &history.tasks {
                with_tasks[life.post] = true;
            }
            let opted_out: Vec<bool> = history
                .posts
                .iter()
                .zip(&with_tasks)
                .map(|(life, &had_tasks)| {
                    had_tasks
                        && !life.deleted
                        && life.current().is_some_and(|v| v.post.tasks.is_empty())
                        && session.opted_out(&life.path)
                })
                .collect();
            let mut lines: Vec<report::LogLine> = history
                .tasks
                .iter()
                .filter(|life| !opted_out[life.post])
                .flat_map(|life| {
                    let history = &history;
                    let path = history.posts[life.post].path.as_str();
                    life.events.iter().map(move |event| report::LogLine {
                        event,
                        post: path,
                        done_date: history.done_date_at(life.id, event.order),
                    })
                })
                .filter(|line| post.as_deref().is_none_or(|p| line.post == p))
                .collect();
            // Newest first by the commit graph; events of one commit keep the post's order.
            lines.sort_by_key(|line| std::cmp::Reverse(line.event.order));
            lines.truncate(max_count.unwrap_or(usize::MAX));
            match format {
                Format::Text => print(&crate::render::style::paint(&report::log_text(&lines)))?,
                Format::Json => {
                    // One document a line, streamed as they come.
                    let mut stdout = io::BufWriter::new(io::stdout().lock());
                    let written = lines.iter().try_for_each(|line| {
                        let document = report::EventDocument::new(line.event, line.post)
                            .with_done_date(line.done_date);
                        serde_json::to_writer(&mut stdout, &document)?;
                        stdout.write_all(b"\n")
                    });
                    finish_output(written.and_then(|()| stdout.flush()))?;
                }
            }
        }
        Command::Completions { .. }
        | Command::Man
        | Command::Demo { .. }
        | Command::MergeDriver { .. } => {
            unreachable!("handled before a session is opened")
        }
    }
    Ok(0)
}

/// `gitgoals plan`: drafts the post after the newest goals post, forecasts it, and with
/// `write` creates it, never over an existing file.
fn plan(
    session: &Session,
    write: bool,
    date: Option<chrono::NaiveDate>,
    format: Format,
    today: chrono::NaiveDate,
) -> Result<()> {
    let (history, ledger) = session.history_and_ledger()?;
    let (index, last) = ledger
        .weeks
        .iter()
        .enumerate()
        .next_back()
        .ok_or(Error::NothingToPlan)?;
    let life = &history.posts[last.post];
    let version = life.current().ok_or(Error::NothingToPlan)?;
    let repo = session.repo()?;
    let head = repo.head()?.ok_or(Error::NothingToPlan)?;
    let blob = repo
        .blob_id_at(head, &version.path)?
        .ok_or(Error::NothingToPlan)?;
    let bytes = repo.blob_bytes(blob)?;
    let text = String::from_utf8_lossy(&bytes);
    let post = post::parse_with(&version.path, &bytes, session.parse_options());
    // Each open goal's carry streak so far, by the line of its box in the post at HEAD.
    let streaks: std::collections::HashMap<usize, usize> = ledger
        .tasks
        .iter()
        .filter(|r| r.week == index && r.status == Status::Open)
        .map(|r| (r.task.line, r.carry_streak))
        .collect();
    let date = date.unwrap_or_else(|| {
        last.date
            .checked_add_days(chrono::Days::new(7))
            .unwrap_or(last.date)
    });
    let draft = crate::core::plan::draft(&crate::core::plan::Source {
        path: &version.path,
        text: &text,
        post: &post,
        streaks: &streaks,
        date,
        order: session.config.date_order.value,
    });
    // The weeks finished by the time the new week starts (the last one too, as it stands).
    let learned = forecast::finished_before(&ledger, date, today.max(date));
    let model = forecast::learn(&ledger, &learned);
    let goals: Vec<forecast::Goal> = draft
        .carried
        .iter()
        .map(|c| forecast::Goal {
            title: c.title.clone(),
            confidence: c.confidence,
            carried: c.weeks,
            done: false,
        })
        .collect();
    let predicted = model
        .as_ref()
        .map(|model| forecast::forecast(model, &goals, forecast::SEED));
    if write {
        write_new_post(session, &draft)?;
    }
    let both = predicted.as_ref().zip(model.as_ref());
    match format {
        Format::Text => print(&plan_view::plan_text(
            &draft,
            write,
            both,
            session.rating_scale(),
        ))?,
        Format::Json => print_json(&plan_view::PlanDocument {
            path: &draft.path,
            date: draft.date,
            due: draft.due,
            written: write,
            text: &draft.text,
            carried: &draft.carried,
            forecast: both.map(|(f, m)| plan_view::ForecastDocument::new(f, m)),
        })?,
    }
    Ok(())
}

/// Creates the drafted post in the work tree; an existing file (or link) at its path is an
/// error and is left as it is, and so is a posts folder that is a link out of the work tree
/// (the hook never writes there either).
fn write_new_post(session: &Session, draft: &crate::core::plan::Draft) -> Result<()> {
    let root = session.work_tree().ok_or(Error::Bare)?;
    let path = root.join(&draft.path);
    if let Some(parent) = path.parent() {
        hook::create_dir_inside(&root, parent)?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let mut file = match file {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            return Err(Error::PlanExists {
                path: draft.path.clone(),
            });
        }
        Err(error) => {
            return Err(Error::cannot(format!("create {}", draft.path))(error));
        }
    };
    let written = file
        .write_all(draft.text.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(error) = written {
        // The file is ours (create_new made it): a half-written post is worse than none.
        drop(file);
        let _ = std::fs::remove_file(&path);
        return Err(Error::cannot(format!("write {}", draft.path))(error));
    }
    Ok(())
}

/// `gitgoals plan --backtest`.
fn plan_backtest(session: &Session, format: Format, today: chrono::NaiveDate) -> Result<()> {
    let ledger = session.ledger()?;
    let Some(test) = forecast::backtest(&ledger, today, forecast::SEED) else {
        return print(
            "nothing to backtest yet: a week is forecast from at least two finished weeks before it\n",
        );
    };
    match format {
        Format::Text => print(&plan_view::backtest_text(&test)),
        Format::Json => print_json(&test),
    }
}

/// `show`'s forecast for the rest of the week, when the post shown is the newest goals post
/// of the history and its week is not over; none otherwise (or without a repository).
fn midweek_line(
    session: &Session,
    ledger: Option<&ledger::Ledger>,
    shown: &str,
    post: &crate::core::model::Post,
    today: chrono::NaiveDate,
) -> Option<String> {
    let root = session.work_tree()?;
    let absolute = session.base.join(shown);
    let relative = absolute
        .strip_prefix(&root)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    // The ledger `show` already read: reading it again would say its warnings twice.
    let ledger = ledger?;
    let index = ledger.weeks.iter().position(|w| w.path == relative)?;
    let week = &ledger.weeks[index];
    if forecast::finished(ledger, index, today) || today < week.date {
        return None;
    }
    let model = forecast::learn(ledger, &forecast::finished_before(ledger, week.date, today))?;
    let streak_of: std::collections::HashMap<&str, usize> = ledger
        .tasks
        .iter()
        .filter(|r| r.week == index)
        .map(|r| (&*r.task.title, r.carry_streak))
        .collect();
    let goals: Vec<forecast::Goal> = post
        .tasks
        .contents()
        .filter(|t| t.mark != crate::core::model::Mark::Cancelled)
        .map(|t| forecast::Goal {
            title: t.title.to_string(),
            confidence: t.confidence,
            carried: streak_of.get(&*t.title).copied().unwrap_or(0),
            done: t.checked,
        })
        .collect();
    let day = (today - week.date).num_days();
    let predicted = forecast::forecast_midweek(&model, &goals, day, forecast::SEED);
    Some(plan_view::midweek(
        &predicted,
        (week.due - today).num_days(),
    ))
}

/// `gitgoals stats`: rewrites blocks in working-tree files; `--since REV` picks the posts
/// changed since REV, and `--commit` commits what it rewrote (the CI recipe,
/// [`hook::ci`]).
fn stats(
    session: &Session,
    files: Vec<PathBuf>,
    check: bool,
    since: Option<&str>,
    commit: bool,
    options: &hook::RunOptions,
) -> Result<u8> {
    let work_tree = match (since.is_some() || commit, session.work_tree()) {
        (true, None) => return Err(Error::Bare),
        (_, work_tree) => work_tree.unwrap_or_else(|| session.base.clone()),
    };
    if commit && hook::ci::head_is_own(&work_tree)? {
        eprintln!("gitgoals: HEAD is gitgoals' own refresh commit: nothing to do");
        return Ok(0);
    }
    // Repository paths of the posts to refresh, and the files named for them.
    let chosen: Option<Vec<String>> = match since {
        Some(rev) => Some(hook::ci::posts_to_refresh(
            session.repo()?,
            &work_tree,
            &session.read.globs(),
            rev,
        )?),
        None => None,
    };
    let files = match &chosen {
        Some(posts) if posts.is_empty() => {
            eprintln!(
                "gitgoals: no goals post changed since {}",
                since.unwrap_or_default()
            );
            return Ok(0);
        }
        Some(posts) => posts.iter().map(|p| work_tree.join(p)).collect(),
        None => files,
    };
    if commit {
        let files: Vec<PathBuf> = files.iter().map(|f| session.base.join(f)).collect();
        hook::ci::ensure_committed(session.repo()?, &work_tree, &session.read.globs(), &files)?;
    }
    let engine = session.engine()?;
    let head = engine.tip();
    let compute = hook::history_stats_with(
        &engine,
        head,
        now(),
        session.ledger,
        session.config.stats_forecast.value,
    );
    let report = hook::run_stats(session, &files, check, options, &compute);
    for failure in &report.failures {
        eprintln!("{failure}");
    }
    for path in &report.stale {
        eprintln!("gitgoals: stats block is out of date in {path} (`gitgoals stats` rewrites it)");
    }
    // Said, not done silently: the files changed under the user's editor.
    for path in &report.updated {
        println!("stats block written in {path}");
    }
    if !check && report.updated.is_empty() && report.failures.is_empty() {
        println!("every stats block is up to date");
    }
    for path in &report.missing {
        eprintln!("gitgoals: {path} has no stats block yet (`gitgoals stats` writes one)");
    }
    if commit {
        // The rewritten files, back as repository paths.
        let updated: Vec<String> = report
            .updated
            .iter()
            .filter_map(|shown| {
                let file = session.base.join(shown);
                let relative = file.strip_prefix(&work_tree).ok()?;
                Some(
                    relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                )
            })
            .collect();
        // The site's data file goes with the blocks when the hook would refresh it too.
        let mut also = Vec::new();
        if session.config.export_on_commit.value {
            let site = session.config.export_site.value;
            if hook::export::write(&work_tree, site, &session.ledger()?)?.1 {
                also.push(site.data_path());
            }
        }
        let refreshed = match (updated.is_empty(), also.is_empty()) {
            (false, true) => format!("stats block of {}", updated.join(", ")),
            (false, false) => format!(
                "stats block of {} and {}",
                updated.join(", "),
                also.join(", ")
            ),
            (true, _) => also.join(", "),
        };
        match hook::ci::commit(
            &work_tree,
            &updated,
            session.config.stats_chart.value,
            &also,
        )? {
            Some(id) => eprintln!(
                "gitgoals: committed the refreshed {refreshed} as {}",
                crate::core::model::short_id(&id)
            ),
            None => eprintln!("gitgoals: every stats block is current: nothing to commit"),
        }
    }
    Ok(report.exit_code())
}

/// `gitgoals demo DIR`: writes the sample blog and shows its history.
fn demo(dir: &Path, args: &SessionArgs) -> Result<()> {
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(Error::DemoDirTaken {
            dir: dir.to_path_buf(),
        });
    }
    let commits = demo::write(dir)?;
    let session = Session::open(&SessionArgs {
        dir: Some(dir.to_path_buf()),
        posts: None,
        settings: Vec::new(),
        ..args.clone()
    })?;
    let ledger = session.ledger()?;
    let weeks: Vec<&ledger::Week> = ledger.weeks.iter().collect();
    // Each line of the suggestion must run as printed: after `cargo run` the binary is not on
    // PATH, so it is named by its full path unless PATH finds this very binary.
    let program = shell_word(&program_as_typed());
    let mut try_lines = format!("  cd {}\n", shell_word(&dir.display().to_string()));
    for command in ["tasks --carried", "log -n 10", "show"] {
        try_lines.push_str(&format!("  {program} {command}\n"));
    }
    print(&format!(
        "A sample blog with {} weekly goals posts and {} commits is in {}\n\n{}\nTry (each line runs as printed):\n{try_lines}",
        ledger.weeks.len(),
        commits,
        dir.display(),
        report::history_text(&ledger, &weeks),
    ))
}

/// How to type the running binary in a shell: `gitgoals` when PATH finds this same file,
/// else its full path.
fn program_as_typed() -> String {
    let Ok(exe) = std::env::current_exe().and_then(std::fs::canonicalize) else {
        return "gitgoals".to_string();
    };
    let name = exe
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(&name))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_default();
    match on_path.and_then(|found| std::fs::canonicalize(found).ok()) {
        Some(found) if found == exe => name.to_string_lossy().into_owned(),
        _ => exe.display().to_string(),
    }
}

/// `word` quoted for a POSIX shell when it holds anything but plain path characters.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn run_hook(session: &Session, action: HookAction) -> Result<u8> {
    // Outside a repository, the sentence every command says, not the `git` program's own.
    session.repo()?;
    let outcome = match action {
        HookAction::Install { force } => hook::install(&session.base, force)
            .map_err(Error::cannot("install the hook"))?
            .to_string(),
        HookAction::Uninstall => hook::uninstall(&session.base)
            .map_err(Error::cannot("remove the hook"))?
            .to_string(),
        HookAction::Run { .. } => unreachable!("the hook runs without a session of its own"),
    };
    print(&format!("{outcome}\n"))?;
    Ok(0)
}

/// `gitgoals hook run pre-commit`, as git calls it: inside a hook git says where the
/// repository is (GIT_DIR); `-C` is for people. Nothing here may block a commit unless the
/// hook is strict: a broken setting or an unreadable history is reported and the commit goes
/// on.
fn run_pre_commit(args: &SessionArgs, strict: bool, template: Option<PathBuf>) -> u8 {
    let fail = |error: &dyn std::fmt::Display| {
        eprintln!("gitgoals: stats block not updated: {error}");
        u8::from(strict)
    };
    let session = match Session::open(&SessionArgs {
        dir: None,
        ..args.clone()
    }) {
        Ok(mut session) => {
            session.show_config_warnings();
            session
        }
        Err(error) => return fail(&error.report()),
    };
    let now = now();
    let made = match session
        .repo()
        .and_then(|repo| hook::commit_being_made(repo, now))
    {
        Ok(made) => made,
        Err(error) => return fail(&error.report()),
    };
    // The history the commit is made on: its first parent's. It is read only when a staged
    // post needs its block: a commit of anything else (a stylesheet, a page) folds nothing
    // in, where reading the commits since the cache took a big history 20 ms.
    let parent = made.first_parent();
    let view_cell = std::cell::OnceCell::new();
    let view = || view_cell.get_or_init(|| session.hook_view_at(parent));
    // The whole engine, read only when the cache cannot serve the hook on its own.
    let full = std::cell::OnceCell::new();
    let engine = || full.get_or_init(|| session.engine_at(parent));
    let today = now.date_naive();
    let forecast = session.config.stats_forecast.value;
    let figures = |pending: &CommitDelta, paths: &[&str]| {
        let view = match view() {
            Ok(view) => view.as_ref(),
            Err(error) => {
                return Err(Error::Cannot {
                    doing: "read the history".to_string(),
                    source: error.report().into(),
                });
            }
        };
        if let Some(view) = view
            && let Some(stats) =
                hook::view_pending_stats(view, pending, paths, today, &session.ledger, forecast)
        {
            return Ok(stats);
        }
        match engine() {
            Ok(engine) => {
                hook::pending_stats(engine, pending, paths, today, session.ledger, forecast)
            }
            Err(error) => Err(Error::Cannot {
                doing: "read the history".to_string(),
                source: error.report().into(),
            }),
        }
    };
    let options = hook::RunOptions {
        strict,
        template,
        force: false,
        blocks_only: true,
    };
    let report = hook::run_pre_commit(&session, &options, &made, &figures);
    for failure in &report.failures {
        eprintln!("{failure}");
    }
    if !session.quiet {
        for notice in &report.notices {
            eprintln!("{notice}");
        }
    }
    let mut code = report.exit_code();
    // A commit the hook stops is not made: a data file staged for it would stay staged and go
    // out with whatever the user commits next.
    if session.config.export_on_commit.value && code == 0 {
        // The whole history once the commit is made, for the site's data file.
        let ledger_of = |pending: &CommitDelta| match engine() {
            Ok(engine) => {
                let mut engine = engine.clone();
                engine.feed_pending(pending.clone());
                Ok(ledger::build_with(&engine.into_history(), &session.ledger))
            }
            Err(error) => Err(Error::Cannot {
                doing: "read the history".to_string(),
                source: error.report().into(),
            }),
        };
        match hook::export::on_commit(&session, &made, &ledger_of) {
            Ok(Some(path)) if !session.quiet => {
                eprintln!("gitgoals: {path} refreshed and staged ([export] on_commit)");
            }
            Ok(_) => {}
            Err(error) => {
                eprintln!(
                    "gitgoals: the site's data file was not refreshed: {}",
                    error.report()
                );
                code = code.max(u8::from(strict || session.config.hook_strict.value));
            }
        }
    }
    // All is written and said: a cache many commits behind HEAD, the commit's parent, is
    // now brought forward once rather than folded on at every commit to come. Best effort:
    // the commit needs none of it.
    if let Some(Ok(Some(view))) = view_cell.into_inner()
        && let Ok(repo) = session.repo()
    {
        view.bring_forward(repo);
    }
    code
}

/// `gitgoals merge-driver`, as git calls it for a post both sides changed: 0 when the merge is
/// clean, 1 when conflicts outside the stats block remain. Whatever goes wrong, the files are
/// merged as git merges them without the driver, so nothing either side wrote is lost.
fn merge_driver(args: &SessionArgs, files: &hook::MergeFiles) -> u8 {
    let merged = Session::open(&SessionArgs {
        dir: None,
        quiet: true,
        ..args.clone()
    })
    .and_then(|session| {
        let engine = std::cell::OnceCell::new();
        let compute = |path: &str, bytes: &[u8]| match engine.get_or_init(|| session.engine()) {
            Ok(engine) => hook::history_stats_with(
                engine,
                engine.tip(),
                now(),
                session.ledger,
                session.config.stats_forecast.value,
            )(path, bytes),
            Err(error) => Err(Error::Cannot {
                doing: "read the history".to_string(),
                source: error.report().into(),
            }),
        };
        hook::merge_driver(&session, files, &compute)
    });
    match merged {
        Ok(clean) => u8::from(!clean),
        Err(error) => {
            eprintln!(
                "gitgoals: merging {} as git does, block and all: {}",
                files.path,
                error.report()
            );
            u8::from(!hook::plain_merge(files))
        }
    }
}

/// The clap command, for completions and the manual page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// The local time now, in the offset git would date a commit made now.
fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Local::now().fixed_offset()
}

/// Writes an SVG chart and says where on stderr, so stdout stays the report.
fn write_chart(path: &Path, svg: &str) -> Result<()> {
    std::fs::write(path, svg)
        .map_err(Error::cannot(format!("write the chart {}", path.display())))?;
    eprintln!("gitgoals: chart written to {}", path.display());
    Ok(())
}

/// Streams a JSON document to stdout, without building it as a string first.
fn print_json<T: serde::Serialize>(document: &T) -> Result<()> {
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    finish_output(crate::render::write_json(&mut stdout, document).and_then(|()| stdout.flush()))
}

/// Writes to stdout (styles are dropped unless colour is on); a reader that went away
/// (`gitgoals … | head`) is not an error.
pub fn print(text: &str) -> Result<()> {
    // Text without escape sequences (JSON, CSV, plain text) needs no colour handling, and
    // scanning a megabyte of JSON for them cost a warm `history` several milliseconds.
    let written = if text.contains('\x1b') {
        let mut stdout = anstream::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
    } else {
        let mut stdout = io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
    };
    finish_output(written)
}

/// A reader that went away (`gitgoals … | head`) is not an error.
fn finish_output(written: io::Result<()>) -> Result<()> {
    match written {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Error::Output),
    }
}

/// The post `show` shows when given none: in a repository, the newest goals post (a post
/// with tasks) of history, as `history` dates it; outside one, or when history has no goals
/// post, [`newest_post`].
fn newest_goals_post(session: &Session, ledger: Option<&ledger::Ledger>) -> Result<PathBuf> {
    let (Some(ledger), Some(root)) = (ledger, session.work_tree()) else {
        return newest_post(session);
    };
    // The weeks are in history's order; the last of the newest date is the newest. With no
    // goals post at all, the newest post is shown as it is.
    let newest = ledger
        .weeks
        .iter()
        .enumerate()
        .filter(|(_, week)| root.join(&week.path).is_file())
        .max_by_key(|(i, week)| (week.date, *i))
        .map(|(_, week)| root.join(&week.path));
    match newest {
        Some(path) => Ok(path),
        None => newest_post(session),
    }
}

/// `--post PATH` as history names the post: as typed, or typed from a subfolder, with `./`
/// or absolute, made relative to the work tree. A path no post of `known` has is an error: a
/// typo would otherwise list nothing, as if the post had nothing in it.
fn post_in_history<'a>(
    session: &Session,
    known: impl Iterator<Item = &'a str> + Clone,
    typed: &str,
) -> Result<String> {
    let is_known = |path: &str| known.clone().any(|k| k == path);
    if is_known(typed) {
        return Ok(typed.to_string());
    }
    let relative = session
        .work_tree()
        .and_then(|root| hook::relative_slash_path(&root, &session.resolve_path(Path::new(typed))));
    match relative {
        Some(path) if is_known(&path) => Ok(path),
        _ => Err(Error::NotAPost {
            path: typed.to_string(),
        }),
    }
}

/// The newest goals post in the work tree (by the date in its file name, then by
/// modification time), among the files history reads as posts ([`crate::core::select`]);
/// outside a repository, the same rules applied to the folders on disk. A blog's newest post
/// is often an article with no task list: the newest one that has tasks is shown, and the
/// newest post only when none has any.
fn newest_post(session: &Session) -> Result<PathBuf> {
    let root = session.work_tree().unwrap_or_else(|| session.base.clone());
    let selector = match session.selector() {
        Ok(selector) => selector,
        Err(_) => select::choose(&session.read.globs(), true, |dir| root.join(dir).is_dir())?,
    };
    let mut candidates = Vec::new();
    collect_posts(&root, "", &selector, &mut candidates, 0);
    candidates.sort_by_cached_key(|(relative, path)| {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        std::cmp::Reverse((crate::core::dates::filename_date(relative), modified))
    });
    let parse = session.parse_options();
    let with_tasks = candidates.iter().find(|(relative, path)| {
        std::fs::read(path)
            .is_ok_and(|bytes| !post::parse_with(relative, &bytes, parse).tasks.is_empty())
    });
    with_tasks
        .or(candidates.first())
        .map(|(_, path)| path.clone())
        .ok_or(Error::NoPosts { root })
}

/// The posts under `dir` (`relative` to the work tree's root), skipping hidden directories
/// (`.git`), symlinked ones and folders that cannot hold posts.
fn collect_posts(
    dir: &Path,
    relative: &str,
    selector: &PostSelector,
    out: &mut Vec<(String, PathBuf)>,
    depth: usize,
) {
    const MAX_DEPTH: usize = 16;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if relative.is_empty() {
            name.clone()
        } else {
            format!("{relative}/{name}")
        };
        if kind.is_dir() && !name.starts_with('.') && depth < MAX_DEPTH {
            if selector.may_contain_posts(&path) {
                collect_posts(&entry.path(), &path, selector, out, depth + 1);
            }
        } else if kind.is_file() && selector.is_post(&path) {
            out.push((path, entry.path()));
        }
    }
}

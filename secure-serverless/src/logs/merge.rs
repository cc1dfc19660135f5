//! One page of the newest records across write shards, reading about as many
//! items as the page returns.
//!
//! Each shard is a newest-first sequence. The page is the `need` newest
//! records of all shards together, and a record may be returned only when no
//! unread record can be newer. Every shard asked has a *frontier*: every one
//! of its records at or above it has been read (after a plain query, its last
//! record read). For every shard that may still hold more, the frontier
//! bounds what it has not returned yet, so records at or above the highest
//! frontier are certain.
//!
//! Rounds:
//! 1. every shard is asked for an even share, `ceil(need / shards)` (one
//!    shard: `need`, so a page is one query);
//! 2. while fewer than `need` records are certain, let `c` be the `need`-th
//!    newest record read so far (the *cut*): no unread record at or below it
//!    can enter the page, so a shard whose frontier is at or below `c` is not
//!    asked again, and every other shard is asked only for records strictly
//!    between `c` and its frontier, at most as many as the records read in
//!    `[c, frontier)` (each of its unread records can displace only one of
//!    those). If the window runs out, the shard's frontier becomes `c`.
//!    When fewer than `need` records have been read, a shard is asked for as
//!    many as its share of what was read above its frontier predicts it
//!    holds in the page (`k` of the `r` records read at or above its
//!    frontier are its own: about `k * need / r`), at least one.
//!
//! Why a bounded round ends the page: let shard `i` have `d` records read in
//! `[c, f)`. Exactly `need` records read are at or above `c`, so `need - d`
//! are at or above `f`. If the shard returns its `d` records, all are above
//! `c` and at or above its new frontier `f'`, so at least `need` records
//! read are at or above `f'`: the new cut is at or above `f'` and the shard
//! cannot place an unread record in the page. If the window runs out first,
//! its frontier is `c`, at or below any later cut (the cut only rises as
//! records are read). So after one bounded round every frontier of a shard
//! that may hold more is at or below the cut, and `need` records are
//! certain; only an answer cut short by DynamoDB's 1 MB limit asks again.
//!
//! Every round asks at least the shard whose frontier is the highest (it is
//! above the cut, or the page would be certain), and that shard answers with
//! at least one record or says it has no more, so the rounds end. Measured
//! (`make bench`, DynamoDB Local, 25-record pages over 8 shards): see the
//! README's read-cost table.

/// A record with its sort key (newest is largest).
pub(super) trait Keyed {
    /// The sort key.
    fn key(&self) -> &str;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not asked yet: may hold anything.
    Unasked,
    /// May hold records below its last one read.
    Open,
    /// Everything in range has been read.
    Done,
}

struct Shard<T> {
    items: Vec<T>,
    state: State,
    /// Every record above this key has been read (the window of a bounded
    /// query ran out); lower than the last record read.
    floor: Option<String>,
}

impl<T: Keyed> Shard<T> {
    /// Every record of the shard at or above this key has been read.
    fn frontier(&self) -> Option<&str> {
        self.floor
            .as_deref()
            .or_else(|| self.items.last().map(Keyed::key))
    }
}

/// One query of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Ask {
    /// The shard to ask.
    pub(super) shard: usize,
    /// How many records at most.
    pub(super) limit: u32,
    /// Only records strictly above this key (none: down to the page's
    /// range), always below the shard's frontier.
    pub(super) above: Option<String>,
}

/// The planner: which shards to ask for how many, and the certain page.
pub(super) struct ShardMerge<T> {
    need: usize,
    shards: Vec<Shard<T>>,
    /// Items read from the store, over all rounds.
    read: usize,
    rounds: usize,
}

impl<T: Keyed> ShardMerge<T> {
    /// A page of `need` records (at least 1) over `shards` shards (at
    /// least 1).
    pub(super) fn new(shards: usize, need: usize) -> Self {
        ShardMerge {
            need: need.max(1),
            shards: (0..shards.max(1))
                .map(|_| Shard {
                    items: Vec::new(),
                    state: State::Unasked,
                    floor: None,
                })
                .collect(),
            read: 0,
            rounds: 0,
        }
    }

    /// The key below which the next query of `shard` starts (`None`: from
    /// the top of the range).
    pub(super) fn frontier(&self, shard: usize) -> Option<&str> {
        self.shards.get(shard).and_then(Shard::frontier)
    }

    /// The answer to `ask`: `items`, newest first, all below the shard's
    /// frontier (and above the ask's bound); `more` when the store says the
    /// queried range may hold more below the last.
    pub(super) fn record(&mut self, ask: &Ask, items: Vec<T>, more: bool) {
        let Some(s) = self.shards.get_mut(ask.shard) else {
            return;
        };
        self.read += items.len();
        let got_any = !items.is_empty();
        s.items.extend(items);
        if more {
            s.state = State::Open;
            if got_any {
                s.floor = None;
            }
        } else if let Some(bound) = &ask.above {
            // The window above the bound ran out: the shard may hold more
            // below it, none above.
            s.state = State::Open;
            s.floor = Some(bound.clone());
        } else {
            s.state = State::Done;
        }
    }

    /// Items read so far, over every round.
    pub(super) fn items_read(&self) -> usize {
        self.read
    }

    /// Rounds asked so far.
    pub(super) fn rounds(&self) -> usize {
        self.rounds
    }

    /// The highest frontier among shards that may hold more: `None` when
    /// every shard is done, `Some(None)` when a shard that may hold more has
    /// no record read yet (nothing is certain).
    fn threshold(&self) -> Option<Option<&str>> {
        let mut open = self
            .shards
            .iter()
            .filter(|s| s.state != State::Done)
            .peekable();
        open.peek()?;
        let mut highest: Option<&str> = None;
        for s in open {
            match s.frontier() {
                None => return Some(None),
                Some(f) => {
                    if highest.is_none_or(|h| f > h) {
                        highest = Some(f);
                    }
                }
            }
        }
        Some(highest)
    }

    /// All keys read, newest first.
    fn keys_newest_first(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .shards
            .iter()
            .flat_map(|s| s.items.iter().map(Keyed::key))
            .collect();
        keys.sort_unstable_by(|a, b| b.cmp(a));
        keys
    }

    /// The next round: an [`Ask`] for each shard to query, or nothing when
    /// the page is certain.
    pub(super) fn next_round(&mut self) -> Vec<Ask> {
        let plan = self.plan();
        if !plan.is_empty() {
            self.rounds += 1;
        }
        plan
    }

    fn plan(&self) -> Vec<Ask> {
        let count = self.shards.len();
        let share = Ask {
            shard: 0,
            limit: clamp_u32(self.need.div_ceil(count)),
            above: None,
        };
        if self.shards.iter().all(|s| s.state == State::Unasked) {
            return (0..count)
                .map(|shard| Ask {
                    shard,
                    ..share.clone()
                })
                .collect();
        }
        let threshold = match self.threshold() {
            None => return Vec::new(),
            Some(t) => t,
        };
        let keys = self.keys_newest_first();
        let certain = match threshold {
            None => 0,
            Some(t) => keys.iter().take_while(|k| **k >= t).count(),
        };
        if certain >= self.need {
            return Vec::new();
        }
        // The need-th newest record read: unread records below it cannot
        // enter the page.
        let cut = keys.get(self.need - 1).copied();
        let mut plan = Vec::new();
        for (i, s) in self.shards.iter().enumerate() {
            if s.state == State::Done {
                continue;
            }
            let Some(frontier) = s.frontier() else {
                plan.push(Ask {
                    shard: i,
                    ..share.clone()
                });
                continue;
            };
            let limit = match cut {
                Some(c) if frontier <= c => continue,
                // Its unread records can displace only those read in
                // [cut, frontier), at least the cut itself.
                Some(c) => keys.iter().filter(|k| **k >= c && **k < frontier).count(),
                None => {
                    let own = s.items.len();
                    let above = keys.iter().take_while(|k| **k >= frontier).count();
                    let predicted = (own * self.need).div_ceil(above.max(1));
                    predicted.saturating_sub(own)
                }
            };
            plan.push(Ask {
                shard: i,
                limit: clamp_u32(limit.max(1)),
                above: cut.map(str::to_owned),
            });
        }
        plan
    }

    /// The certain records, newest first, at most `need` of them, and
    /// whether more may follow them (records read but not returned, or a
    /// shard that may hold more).
    pub(super) fn finish(self) -> (Vec<T>, bool) {
        // None: every shard is done, all is certain; Some(None): a shard that
        // may hold anything has not answered, nothing is.
        let threshold: Option<Option<String>> = self.threshold().map(|t| t.map(str::to_owned));
        let open = self.shards.iter().any(|s| s.state != State::Done);
        let mut all: Vec<T> = self.shards.into_iter().flat_map(|s| s.items).collect();
        let total = all.len();
        all.sort_unstable_by(|a, b| b.key().cmp(a.key()));
        match &threshold {
            None => {}
            Some(None) => all.clear(),
            Some(Some(t)) => all.retain(|i| i.key() >= t.as_str()),
        }
        all.truncate(self.need);
        let more = open || all.len() < total;
        (all, more)
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;

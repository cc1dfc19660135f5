//! One page of the newest records across write shards, reading about as many
//! items as the page returns.
//!
//! Each shard is a newest-first sequence. The page is the `need` newest
//! records of all shards together, and a record may be returned only when no
//! unread record can be newer: for every shard that may still hold more, its
//! last record read (its *frontier*) bounds what it has not returned yet, so
//! records at or above the highest frontier are certain.
//!
//! Rounds:
//! 1. every shard is asked for an even share, `ceil(need / shards)` (one
//!    shard: `need`, so a page is one query);
//! 2. while fewer than `need` records are certain, let `x` be the `need`-th
//!    newest record read so far: a shard whose frontier is at or below `x`
//!    cannot place an unread record in the page and is not asked again;
//!    every other shard is asked for as many more as its share of what was
//!    read above its frontier predicts it holds in the page (`k` of the `r`
//!    records read at or above its frontier are its own: about `k * need / r`
//!    of the page), at least one.
//!
//! Every round asks at least the shard whose frontier is the highest (it is
//! above `x`, or the page would be certain), and that shard answers with at
//! least one record or says it has no more, so the rounds end. Measured
//! (`make bench`, DynamoDB Local, 25-record pages over 8 shards): see the
//! README's read-cost table. A lower bound shows what the first round costs:
//! every shard must read one record past its part of the page, so an even
//! share of 4 on a shard that holds 1 page record reads 2 more than needed.

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
                })
                .collect(),
            read: 0,
            rounds: 0,
        }
    }

    /// The last record read from `shard`, below which the next query of it
    /// starts (`None`: start from the top of the range).
    pub(super) fn frontier(&self, shard: usize) -> Option<&T> {
        self.shards.get(shard).and_then(|s| s.items.last())
    }

    /// One shard's answer: `items`, newest first, all below its frontier;
    /// `more` when the store says the range may hold more below the last.
    pub(super) fn record(&mut self, shard: usize, items: Vec<T>, more: bool) {
        let Some(s) = self.shards.get_mut(shard) else {
            return;
        };
        self.read += items.len();
        s.items.extend(items);
        s.state = if more { State::Open } else { State::Done };
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
            match s.items.last() {
                None => return Some(None),
                Some(last) => {
                    if highest.is_none_or(|h| last.key() > h) {
                        highest = Some(last.key());
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

    /// The next round: `(shard, how many)` for each shard to ask, or
    /// nothing when the page is certain.
    pub(super) fn next_round(&mut self) -> Vec<(usize, u32)> {
        let plan = self.plan();
        if !plan.is_empty() {
            self.rounds += 1;
        }
        plan
    }

    fn plan(&self) -> Vec<(usize, u32)> {
        let count = self.shards.len();
        if self.shards.iter().all(|s| s.state == State::Unasked) {
            let share = self.need.div_ceil(count);
            return (0..count).map(|i| (i, clamp_u32(share))).collect();
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
            let Some(last) = s.items.last() else {
                plan.push((i, clamp_u32(self.need.div_ceil(count))));
                continue;
            };
            if cut.is_some_and(|c| last.key() <= c) {
                continue;
            }
            let own = s.items.len();
            let above = keys.iter().take_while(|k| **k >= last.key()).count();
            let predicted = (own * self.need).div_ceil(above.max(1));
            plan.push((i, clamp_u32(predicted.saturating_sub(own).max(1))));
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

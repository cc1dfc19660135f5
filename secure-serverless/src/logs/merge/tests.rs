//! The planner against a simulated sharded store: random shard skews,
//! answers cut short as DynamoDB's 1 MB limit cuts them, random page sizes.
//! Walking every page returns every record exactly once, newest first, in
//! full pages.

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rec(String);

impl Keyed for Rec {
    fn key(&self) -> &str {
        &self.0
    }
}

/// A store: per shard, keys newest first.
struct Store {
    shards: Vec<Vec<String>>,
}

impl Store {
    /// Unique, fixed-width keys; record `i` goes to shard 0 when its draw
    /// `p` is below `hot`, else to shard `s % shard_count`.
    fn skewed(shard_count: usize, hot: f64, picks: &[(f64, usize)]) -> Self {
        let mut shards = vec![Vec::new(); shard_count];
        for (i, (p, s)) in picks.iter().enumerate() {
            let shard = if *p < hot { 0 } else { s % shard_count };
            shards[shard].push(format!("{i:08}"));
        }
        for s in &mut shards {
            s.sort_unstable_by(|a, b| b.cmp(a));
        }
        Store { shards }
    }

    /// Up to `limit` keys of `shard` below `below` and above `above` (and
    /// below `upper`, the page's cursor), cut after `cut` when given; and
    /// whether the store would return a LastEvaluatedKey.
    fn query(
        &self,
        shard: usize,
        upper: Option<&str>,
        (below, above): (Option<&str>, Option<&str>),
        limit: u32,
        cut: Option<usize>,
    ) -> (Vec<Rec>, bool) {
        let limit = limit as usize;
        let available: Vec<&String> = self.shards[shard]
            .iter()
            .filter(|k| upper.is_none_or(|u| k.as_str() < u))
            .filter(|k| below.is_none_or(|b| k.as_str() < b))
            .filter(|k| above.is_none_or(|a| k.as_str() > a))
            .collect();
        let mut take = available.len().min(limit);
        let mut cut_short = false;
        if let Some(c) = cut
            && c < take
        {
            take = c;
            cut_short = true;
        }
        let items: Vec<Rec> = available[..take]
            .iter()
            .map(|k| Rec((*k).clone()))
            .collect();
        // DynamoDB returns a LastEvaluatedKey when the limit was reached
        // (even with nothing left) or the answer was cut short.
        (items, take == limit || cut_short)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_record_exactly_once_in_full_pages(
        shard_count in 1usize..=8,
        hot in 0.0f64..=1.0,
        picks in prop::collection::vec((0.0f64..1.0, 0usize..8), 0..240),
        need in 1usize..=30,
        cuts in prop::collection::vec(prop::option::weighted(0.2, 1usize..4), 64),
    ) {
        let store = Store::skewed(shard_count, hot, &picks);
        let mut expected: Vec<String> = store.shards.iter().flatten().cloned().collect();
        expected.sort_unstable_by(|a, b| b.cmp(a));

        let mut seen: Vec<String> = Vec::new();
        let mut upper: Option<String> = None;
        let mut cut_at = cuts.iter().cycle();
        for _page in 0..=expected.len() + 1 {
            let mut merge = ShardMerge::<Rec>::new(shard_count, need);
            loop {
                let plan = merge.next_round();
                if plan.is_empty() {
                    break;
                }
                prop_assert!(merge.rounds() <= need + shard_count + 1, "too many rounds");
                for ask in plan {
                    let Ask { shard, limit, ref above } = ask;
                    prop_assert!(limit >= 1);
                    let below = merge.frontier(shard).map(str::to_owned);
                    if let (Some(a), Some(b)) = (above, &below) {
                        prop_assert!(a < b, "a bounded ask has a window");
                    }
                    let (items, more) = store.query(
                        shard,
                        upper.as_deref(),
                        (below.as_deref(), above.as_deref()),
                        limit,
                        *cut_at.next().unwrap(),
                    );
                    merge.record(&ask, items, more);
                }
            }
            let (page, more) = merge.finish();
            prop_assert!(page.len() <= need);
            let done = !more;
            if !done {
                prop_assert_eq!(page.len(), need, "a page that is not the last is full");
            }
            seen.extend(page.iter().map(|r| r.0.clone()));
            match page.last() {
                Some(last) if more => upper = Some(last.0.clone()),
                _ => break,
            }
        }
        prop_assert_eq!(seen, expected);
    }

    /// With no answer cut short and a first round that reads a whole page,
    /// the second round ends the page, reading only records above the cut.
    #[test]
    fn a_bounded_round_ends_the_page(
        shard_count in 2usize..=8,
        hot in 0.0f64..=1.0,
        picks in prop::collection::vec((0.0f64..1.0, 0usize..8), 240..400),
        need in 1usize..=30,
    ) {
        let store = Store::skewed(shard_count, hot, &picks);
        let share = need.div_ceil(shard_count);
        prop_assume!(store.shards.iter().all(|s| s.len() >= share));
        let mut expected: Vec<String> = store.shards.iter().flatten().cloned().collect();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        expected.truncate(need);

        let mut merge = ShardMerge::<Rec>::new(shard_count, need);
        let mut cut: Option<String> = None;
        loop {
            let plan = merge.next_round();
            if plan.is_empty() {
                break;
            }
            for ask in plan {
                let Ask { shard, limit, ref above } = ask;
                if merge.rounds() > 1 {
                    prop_assert!(above.is_some(), "later rounds are bounded");
                    cut.clone_from(above);
                }
                let below = merge.frontier(shard).map(str::to_owned);
                let (items, more) =
                    store.query(shard, None, (below.as_deref(), above.as_deref()), limit, None);
                merge.record(&ask, items, more);
            }
        }
        prop_assert!(merge.rounds() <= 2);
        let read = merge.items_read();
        let (page, _) = merge.finish();
        let page: Vec<String> = page.into_iter().map(|r| r.0).collect();
        prop_assert_eq!(&page, &expected);
        // The first round's reads, then only records above the first cut.
        if let Some(c) = cut {
            let above_cut = store.shards.iter().flatten().filter(|k| **k > c).count();
            prop_assert!(read <= share * shard_count + above_cut);
        }
    }
}

#[test]
fn one_shard_is_one_query_of_the_page_size() {
    let mut merge = ShardMerge::<Rec>::new(1, 25);
    let plan = merge.next_round();
    assert_eq!(
        plan,
        [Ask {
            shard: 0,
            limit: 25,
            above: None
        }]
    );
    merge.record(
        &plan[0],
        (0..25).map(|i| Rec(format!("{:08}", 100 - i))).collect(),
        true,
    );
    assert!(merge.next_round().is_empty());
    assert_eq!(merge.items_read(), 25);
    let (page, more) = merge.finish();
    assert_eq!((page.len(), more), (25, true));
}

#[test]
fn the_first_round_is_an_even_share() {
    let mut merge = ShardMerge::<Rec>::new(8, 25);
    assert_eq!(
        merge.next_round(),
        (0..8)
            .map(|shard| Ask {
                shard,
                limit: 4,
                above: None
            })
            .collect::<Vec<_>>()
    );
}

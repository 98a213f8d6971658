//! Facet values: how they are encoded in the index, and the counts returned with a search.
//!
//! Every facet value of a document is one term of the `facet` field, `<dim>\u{1f}<value>`,
//! indexed (to filter) and in a fast column (to count). Hierarchies are stored as paths joined
//! by `\u{1e}`, so that the values under a node are one contiguous range of the dictionary.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// Separates the dimension prefix from the value in a facet key.
pub(super) const KEY_SEPARATOR: char = '\u{1f}';

/// Separates the steps of a theme or territory path.
pub(super) const PATH_SEPARATOR: char = '\u{1e}';

/// Territory paths deeper than this are cut: région, département, EPCI, commune leave room.
pub(super) const MAX_TERRITORY_DEPTH: usize = 8;

const LEVEL_PREFIXES: [&str; MAX_TERRITORY_DEPTH] =
    ["l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7"];

/// Facet counts of a search.
///
/// Counts are disjunctive: the count of a value is computed with every filter of the request
/// applied except the filter of that value's own facet, so it is the number of results the
/// request would have if that facet's selection were exactly this value. The territory tree
/// counts where documents are located; documents that only *serve* a territory are not in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    /// Themes as a tree of concepts, broadest first; a node counts its narrower concepts too.
    pub themes: Vec<FacetNode>,
    /// Régions with their départements; below them, only the branch of the territory filter
    /// (its siblings at each level, and its children) is expanded.
    pub territories: Vec<FacetNode>,
    pub publics: Vec<FacetCount>,
    pub methods: Vec<FacetCount>,
    pub networks: Vec<FacetCount>,
    pub actor_types: Vec<FacetCount>,
    pub sources: Vec<FacetCount>,
    pub scales: Vec<FacetCount>,
}

/// A node of a facet tree: a value, its count and its narrower values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetNode {
    pub value: String,
    pub count: usize,
    pub children: Vec<FacetNode>,
}

/// A value of a flat facet and its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    pub count: usize,
}

/// The kinds of facet keys stored in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum FacetDim {
    /// Every concept on any of the document's theme paths: what a theme filter matches.
    Theme,
    /// Every prefix of every theme path: what the theme tree counts.
    ThemePath,
    Public,
    Method,
    Network,
    ActorType,
    Source,
    Scale,
    /// Every code of the territory path: what a territory filter matches.
    Located,
    /// The codes of the territories served.
    Serves,
    /// The territory path down to this depth (0 = widest): what the territory tree counts.
    Level(u8),
}

/// Where the keys of a dimension are stored, besides the `filter` terms of the filterable ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum FacetColumn {
    /// Nowhere else: theme filters are resolved through the theme paths.
    None,
    /// The `facet` fast column, read for every match when counting.
    Facet,
    /// The `place` fast column, read only with a territory filter.
    Place,
}

/// The facets a request can filter on; each is one bit of a mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum FacetGroup {
    Themes,
    Publics,
    Methods,
    Networks,
    ActorTypes,
    Sources,
    Scales,
    Territory,
}

impl FacetDim {
    /// All dimensions, in no particular order.
    pub(super) fn all() -> impl Iterator<Item = FacetDim> {
        use FacetDim::*;
        [
            Theme, ThemePath, Public, Method, Network, ActorType, Source, Scale, Located, Serves,
        ]
        .into_iter()
        .chain((0..MAX_TERRITORY_DEPTH as u8).map(Level))
    }

    fn prefix(self) -> &'static str {
        match self {
            FacetDim::Theme => "th",
            FacetDim::ThemePath => "tp",
            FacetDim::Public => "pu",
            FacetDim::Method => "me",
            FacetDim::Network => "ne",
            FacetDim::ActorType => "ac",
            FacetDim::Source => "so",
            FacetDim::Scale => "sc",
            FacetDim::Located => "lo",
            FacetDim::Serves => "sv",
            FacetDim::Level(depth) => LEVEL_PREFIXES[usize::from(depth)],
        }
    }

    pub(super) fn from_prefix(prefix: &str) -> Option<FacetDim> {
        FacetDim::all().find(|dim| dim.prefix() == prefix)
    }

    /// The facet group this dimension filters or counts for.
    pub(super) fn group(self) -> FacetGroup {
        match self {
            FacetDim::Theme | FacetDim::ThemePath => FacetGroup::Themes,
            FacetDim::Public => FacetGroup::Publics,
            FacetDim::Method => FacetGroup::Methods,
            FacetDim::Network => FacetGroup::Networks,
            FacetDim::ActorType => FacetGroup::ActorTypes,
            FacetDim::Source => FacetGroup::Sources,
            FacetDim::Scale => FacetGroup::Scales,
            FacetDim::Located | FacetDim::Serves | FacetDim::Level(_) => FacetGroup::Territory,
        }
    }

    /// Whether a request filters on the keys of this dimension (through the `filter` field).
    pub(super) fn is_filtered(self) -> bool {
        !matches!(self, FacetDim::ThemePath | FacetDim::Level(_))
    }

    /// The fast column holding the keys of this dimension.
    pub(super) fn column(self) -> FacetColumn {
        match self {
            FacetDim::Theme => FacetColumn::None,
            FacetDim::Located | FacetDim::Serves => FacetColumn::Place,
            FacetDim::Level(depth) if depth >= 2 => FacetColumn::Place,
            _ => FacetColumn::Facet,
        }
    }

    /// Whether the values of this dimension are counted in [`Facets`].
    pub(super) fn is_counted(self) -> bool {
        !matches!(self, FacetDim::Theme | FacetDim::Located | FacetDim::Serves)
    }

    /// Whether this counted dimension has few enough values to be decoded whole for every
    /// segment; the deep territory levels (EPCI, commune) are decoded only where they are shown.
    pub(super) fn is_small(self) -> bool {
        match self {
            FacetDim::Level(depth) => depth <= 1,
            dim => dim.is_counted(),
        }
    }

    /// The half-open range of keys of this dimension.
    pub(super) fn key_range(self) -> (String, String) {
        let prefix = self.prefix();
        (
            format!("{prefix}{KEY_SEPARATOR}"),
            format!("{prefix}{}", char::from(0x20)),
        )
    }
}

impl FacetGroup {
    /// The bit of this group in filter masks.
    pub(super) fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The key under which `value` of `dim` is indexed.
pub(super) fn facet_key(dim: FacetDim, value: &str) -> String {
    format!("{}{KEY_SEPARATOR}{value}", dim.prefix())
}

/// Joins path steps with [`PATH_SEPARATOR`].
pub(super) fn join_path<S: AsRef<str>>(steps: &[S]) -> String {
    let mut path = String::new();
    for (idx, step) in steps.iter().enumerate() {
        if idx > 0 {
            path.push(PATH_SEPARATOR);
        }
        path.push_str(step.as_ref());
    }
    path
}

/// Turns facet keys and their counts, summed over segments, into the response's [`Facets`].
pub(super) fn facets_from_tally(tally: HashMap<String, u32>) -> Facets {
    let mut theme_paths = Vec::new();
    let mut territory_paths = Vec::new();
    let mut facets = Facets::default();
    for (key, count) in tally {
        let Some((prefix, value)) = key.split_once(KEY_SEPARATOR) else {
            continue;
        };
        let Some(dim) = FacetDim::from_prefix(prefix) else {
            continue;
        };
        let count = count as usize;
        let flat = match dim {
            FacetDim::ThemePath => {
                theme_paths.push((value.to_string(), count));
                continue;
            }
            FacetDim::Level(_) => {
                territory_paths.push((value.to_string(), count));
                continue;
            }
            FacetDim::Public => &mut facets.publics,
            FacetDim::Method => &mut facets.methods,
            FacetDim::Network => &mut facets.networks,
            FacetDim::ActorType => &mut facets.actor_types,
            FacetDim::Source => &mut facets.sources,
            FacetDim::Scale => &mut facets.scales,
            FacetDim::Theme | FacetDim::Located | FacetDim::Serves => continue,
        };
        flat.push(FacetCount {
            value: value.to_string(),
            count,
        });
    }

    for flat in [
        &mut facets.publics,
        &mut facets.methods,
        &mut facets.networks,
        &mut facets.actor_types,
        &mut facets.sources,
        &mut facets.scales,
    ] {
        flat.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    }
    facets.themes = tree_from_paths(theme_paths);
    facets.territories = tree_from_paths(territory_paths);
    facets
}

/// Builds a tree from `(path, count)` pairs; a node whose parent is missing becomes a root.
fn tree_from_paths(paths: Vec<(String, usize)>) -> Vec<FacetNode> {
    let mut nodes: BTreeMap<String, FacetNode> = BTreeMap::new();
    for (path, count) in paths {
        let value = path
            .rsplit(PATH_SEPARATOR)
            .next()
            .unwrap_or_default()
            .to_string();
        nodes.insert(
            path,
            FacetNode {
                value,
                count,
                children: Vec::new(),
            },
        );
    }

    // Deepest first, so that every node has received its children before it is moved.
    let mut order: Vec<String> = nodes.keys().cloned().collect();
    order.sort_by_key(|path| std::cmp::Reverse(path.matches(PATH_SEPARATOR).count()));
    let mut roots = Vec::new();
    for path in order {
        let node = nodes.remove(&path).expect("every path was inserted once");
        let parent = path.rsplit_once(PATH_SEPARATOR).map(|(parent, _)| parent);
        match parent.and_then(|parent| nodes.get_mut(parent)) {
            Some(parent) => parent.children.push(node),
            None => roots.push(node),
        }
    }
    sort_tree(&mut roots);
    roots
}

fn sort_tree(nodes: &mut [FacetNode]) {
    nodes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    for node in nodes {
        sort_tree(&mut node.children);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimension_key_ranges_hold_only_their_keys() {
        for dim in FacetDim::all() {
            let key = facet_key(dim, "x");
            for other in FacetDim::all() {
                let (low, high) = other.key_range();
                let inside = low.as_str() <= key.as_str() && key.as_str() < high.as_str();
                assert_eq!(inside, dim == other, "{dim:?} in {other:?}");
            }
        }
    }

    #[test]
    fn tally_becomes_trees_and_sorted_lists() {
        let tally = HashMap::from([
            (facet_key(FacetDim::ThemePath, "inclusion"), 3),
            (
                facet_key(FacetDim::ThemePath, &join_path(&["inclusion", "numerique"])),
                2,
            ),
            (facet_key(FacetDim::ThemePath, "travail"), 3),
            (facet_key(FacetDim::Public, "jeunes"), 1),
            (facet_key(FacetDim::Public, "aines"), 4),
            (facet_key(FacetDim::Located, "commune:01001"), 9),
        ]);
        let facets = facets_from_tally(tally);

        let themes: Vec<_> = facets
            .themes
            .iter()
            .map(|n| (n.value.as_str(), n.count))
            .collect();
        assert_eq!(themes, [("inclusion", 3), ("travail", 3)]);
        assert_eq!(facets.themes[0].children[0].value, "numerique");
        assert_eq!(facets.themes[0].children[0].count, 2);
        let publics: Vec<_> = facets
            .publics
            .iter()
            .map(|c| (c.value.as_str(), c.count))
            .collect();
        assert_eq!(publics, [("aines", 4), ("jeunes", 1)]);
        assert!(facets.territories.is_empty());
    }
}

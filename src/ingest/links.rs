//! Duplicates across sources: the same place listed by two networks, the same organisation
//! under two names. Certain pairs are linked with `owl:sameAs` to a canonical resource; pairs
//! below certainty become `anc:DuplicateCandidate`s for review.

use std::collections::{BTreeMap, HashMap, HashSet};

use oxigraph::model::vocab::xsd;
use oxigraph::model::{NamedNode, Term};
use sha2::{Digest, Sha256};

use crate::iri::{GraphKind, IriMinter};
use crate::rdf::QuadBuffer;
use crate::store::{Store, StoreError};
use crate::text::place_name_key;
use crate::vocab::{anc, owl};

/// Names this alike (Dice coefficient of character trigrams) may describe the same thing.
const CANDIDATE_SIMILARITY: f64 = 0.5;
/// Names this alike, close enough, describe the same thing.
const CERTAIN_SIMILARITY: f64 = 0.85;
/// Two points of one place are at most this far apart, in metres.
const SAME_PLACE_METRES: f64 = 100.0;
/// Two points of a candidate pair are at most this far apart, in metres.
const CANDIDATE_METRES: f64 = 300.0;

/// What the link detection found.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct LinkReport {
    /// Initiatives linked to a canonical one.
    pub initiative_links: usize,
    /// Actors linked to a canonical one.
    pub actor_links: usize,
    /// Pairs left for review.
    pub candidates: usize,
}

/// Pairs judged the same, and pairs that may be, with their similarity.
type Judged = (
    Vec<(NamedNode, NamedNode)>,
    Vec<(NamedNode, NamedNode, f64)>,
);

struct Listed {
    iri: NamedNode,
    name_key: String,
    trigrams: HashSet<[char; 3]>,
    commune: String,
    point: Option<(f64, f64)>,
    source: String,
    street: Option<String>,
}

/// Recomputes the links graph from what the sources currently say.
pub fn recompute_links(store: &Store, minter: &IriMinter) -> Result<LinkReport, StoreError> {
    let mut buffer = QuadBuffer::new(minter.graph(&GraphKind::Links));
    let mut report = LinkReport::default();

    let initiatives = listed(
        store,
        include_str!("../../queries/link-initiatives.rq"),
        "initiative",
    )?;
    let (links, candidates) = compare_within_communes(&initiatives, true);
    report.initiative_links = write_same_as(&mut buffer, &links);
    report.candidates = write_candidates(&mut buffer, minter, &candidates);

    let actors = listed(store, include_str!("../../queries/link-actors.rq"), "actor")?;
    let (actor_links, _) = compare_within_communes(&actors, false);
    report.actor_links = write_same_as(&mut buffer, &actor_links);

    let graph = minter.graph(&GraphKind::Links);
    store.replace_graph(graph.as_ref(), &buffer.into_quads())?;
    Ok(report)
}

fn listed(store: &Store, query: &str, subject: &str) -> Result<Vec<Listed>, StoreError> {
    let rows = store.select(query, &[])?;
    let mut seen = HashSet::new();
    let mut listed = Vec::new();
    for row in rows.iter() {
        let (Some(Term::NamedNode(iri)), Some(name), Some(commune), Some(source)) = (
            row.term(subject),
            row.text("name"),
            row.text("commune"),
            row.text("source"),
        ) else {
            continue;
        };
        if !seen.insert((iri.clone(), commune.to_owned())) {
            continue;
        }
        let name_key = place_name_key(name);
        listed.push(Listed {
            iri: iri.clone(),
            trigrams: trigrams(&name_key),
            name_key,
            commune: commune.to_owned(),
            point: row.text("wkt").and_then(crate::rdf::parse_wkt_point),
            source: source.to_owned(),
            street: row.text("street").map(place_name_key),
        });
    }
    Ok(listed)
}

/// Pairs of resources from different sources in the same commune: certain links and
/// candidates with their similarity.
fn compare_within_communes(listed: &[Listed], places: bool) -> Judged {
    let mut by_commune: BTreeMap<&str, Vec<&Listed>> = BTreeMap::new();
    for item in listed {
        by_commune.entry(&item.commune).or_default().push(item);
    }
    let mut links = Vec::new();
    let mut candidates = Vec::new();
    for items in by_commune.values() {
        for (first, second) in pairs_to_compare(items) {
            if first.source == second.source || first.iri == second.iri {
                continue;
            }
            match judge(first, second, places) {
                Judgement::Same => links.push(ordered(&first.iri, &second.iri)),
                Judgement::Maybe(similarity) => {
                    let (a, b) = ordered(&first.iri, &second.iri);
                    candidates.push((a, b, similarity));
                }
                Judgement::Different => (),
            }
        }
    }
    links.sort();
    links.dedup();
    (links, candidates)
}

/// Communes listing more resources than this compare only names sharing a word.
const EXHAUSTIVE_GROUP: usize = 2_000;
/// A word this frequent in a large commune says nothing about who is who.
const COMMON_WORD: usize = 200;

/// The pairs of a commune worth comparing: all of them in a small commune; in a large one
/// (a city listing thousands), only names sharing a word that is not common there.
fn pairs_to_compare<'a>(items: &[&'a Listed]) -> Vec<(&'a Listed, &'a Listed)> {
    if items.len() <= EXHAUSTIVE_GROUP {
        let mut pairs = Vec::new();
        for (index, first) in items.iter().enumerate() {
            pairs.extend(items[index + 1..].iter().map(|second| (*first, *second)));
        }
        return pairs;
    }
    let mut by_word: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        for word in item.name_key.split(' ').filter(|word| word.len() >= 3) {
            by_word.entry(word).or_default().push(index);
        }
    }
    let mut seen = HashSet::new();
    let mut pairs = Vec::new();
    for members in by_word
        .values()
        .filter(|members| members.len() <= COMMON_WORD)
    {
        for (position, first) in members.iter().enumerate() {
            for second in &members[position + 1..] {
                if seen.insert((*first, *second)) {
                    pairs.push((items[*first], items[*second]));
                }
            }
        }
    }
    pairs
}

enum Judgement {
    Same,
    Maybe(f64),
    Different,
}

fn judge(first: &Listed, second: &Listed, places: bool) -> Judgement {
    if first.name_key == second.name_key && !places {
        return Judgement::Same;
    }
    let similarity = dice(&first.trigrams, &second.trigrams);
    if similarity < CANDIDATE_SIMILARITY {
        return Judgement::Different;
    }
    let distance = match (first.point, second.point) {
        (Some(a), Some(b)) => Some(metres_between(a, b)),
        _ => None,
    };
    let same_street = first.street.is_some() && first.street == second.street;
    let close = distance.is_some_and(|metres| metres <= SAME_PLACE_METRES) || same_street;
    if similarity >= CERTAIN_SIMILARITY && (close || !places) {
        return Judgement::Same;
    }
    let near = distance.is_none_or(|metres| metres <= CANDIDATE_METRES) || same_street;
    if near {
        Judgement::Maybe(similarity)
    } else {
        Judgement::Different
    }
}

/// Links each resource to the canonical one of its group: the smallest IRI, so that the choice
/// does not depend on harvest order.
fn write_same_as(buffer: &mut QuadBuffer, links: &[(NamedNode, NamedNode)]) -> usize {
    let mut canonical: HashMap<NamedNode, NamedNode> = HashMap::new();
    let find = |canonical: &HashMap<NamedNode, NamedNode>, node: &NamedNode| {
        let mut current = node.clone();
        while let Some(next) = canonical.get(&current) {
            current = next.clone();
        }
        current
    };
    for (a, b) in links {
        let (root_a, root_b) = (find(&canonical, a), find(&canonical, b));
        if root_a != root_b {
            let (root, other) = ordered(&root_a, &root_b);
            canonical.insert(other, root);
        }
    }
    let mut members: Vec<NamedNode> = canonical.keys().cloned().collect();
    members.sort();
    for member in &members {
        let root = find(&canonical, member);
        buffer.add_link(member, owl::SAME_AS, &root);
    }
    members.len()
}

fn write_candidates(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    candidates: &[(NamedNode, NamedNode, f64)],
) -> usize {
    for (a, b, similarity) in candidates {
        let key = format!("{}|{}", a.as_str(), b.as_str());
        let digest: String = Sha256::digest(key.as_bytes())
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let candidate = minter.at(&format!("doublon/{digest}"));
        buffer.add_type(&candidate, anc::DUPLICATE_CANDIDATE);
        buffer.add_link(&candidate, anc::CANDIDATE_RESOURCE, a);
        buffer.add_link(&candidate, anc::CANDIDATE_RESOURCE, b);
        buffer.add_typed(
            &candidate,
            anc::SIMILARITY,
            &format!("{similarity:.2}"),
            xsd::DECIMAL,
        );
    }
    candidates.len()
}

fn ordered(a: &NamedNode, b: &NamedNode) -> (NamedNode, NamedNode) {
    if a.as_str() <= b.as_str() {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

fn trigrams(key: &str) -> HashSet<[char; 3]> {
    let padded: Vec<char> = format!("  {key} ").chars().collect();
    padded
        .windows(3)
        .map(|window| [window[0], window[1], window[2]])
        .collect()
}

/// Dice coefficient of two trigram sets: 1 for the same name, 0 for nothing in common.
fn dice(first: &HashSet<[char; 3]>, second: &HashSet<[char; 3]>) -> f64 {
    if first.is_empty() || second.is_empty() {
        return 0.0;
    }
    let shared = first.intersection(second).count();
    2.0 * shared as f64 / (first.len() + second.len()) as f64
}

/// Great-circle distance in metres.
pub fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat_a, lat_b) = (a.0.to_radians(), b.0.to_radians());
    let d_lat = lat_b - lat_a;
    let d_lon = (b.1 - a.1).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat_a.cos() * lat_b.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(iri: &str, name: &str, point: Option<(f64, f64)>, source: &str) -> Listed {
        let name_key = place_name_key(name);
        Listed {
            iri: NamedNode::new_unchecked(iri),
            trigrams: trigrams(&name_key),
            name_key,
            commune: "c".into(),
            point,
            source: source.into(),
            street: None,
        }
    }

    #[test]
    fn a_place_listed_twice_nearby_is_the_same_and_far_apart_is_not() {
        let a = listed(
            "http://e/a",
            "France services de Gex",
            Some((46.333, 6.058)),
            "s1",
        );
        let near = listed(
            "http://e/b",
            "France Services - Gex",
            Some((46.3335, 6.0585)),
            "s2",
        );
        let far = listed(
            "http://e/c",
            "France services de Gex",
            Some((46.40, 6.10)),
            "s2",
        );
        assert!(matches!(judge(&a, &near, true), Judgement::Same));
        assert!(matches!(judge(&a, &far, true), Judgement::Different));
    }

    #[test]
    fn alike_names_without_points_are_only_candidates() {
        let a = listed("http://e/a", "Médiathèque de Bouisse", None, "s1");
        let b = listed("http://e/b", "Médiathèque municipale Bouisse", None, "s2");
        assert!(matches!(judge(&a, &b, true), Judgement::Maybe(_)));
    }

    #[test]
    fn the_canonical_resource_is_the_smallest_iri_of_its_group() {
        let (a, b, c) = (
            NamedNode::new_unchecked("http://e/c"),
            NamedNode::new_unchecked("http://e/a"),
            NamedNode::new_unchecked("http://e/b"),
        );
        let mut buffer = QuadBuffer::new(NamedNode::new_unchecked("http://e/g"));
        write_same_as(&mut buffer, &[ordered(&a, &c), ordered(&c, &b)]);
        let quads = buffer.into_quads();
        assert_eq!(quads.len(), 2);
        assert!(
            quads
                .iter()
                .all(|quad| quad.object == Term::from(b.clone()))
        );
    }

    #[test]
    fn distances_on_earth() {
        let paris = (48.8566, 2.3522);
        let lyon = (45.7640, 4.8357);
        let metres = metres_between(paris, lyon);
        assert!((metres - 392_000.0).abs() < 3_000.0, "{metres}");
    }
}

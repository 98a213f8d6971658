//! Synthetic sources for tests at scale: realistic initiatives in real communes (weighted by
//! population), with real themes and French texts, written as a CSV file and its descriptor.
//! The same seed always gives the same files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Deserialize;

use crate::iri::TerritoryKind;
use crate::territory::{Territories, Territory};

/// The word lists, from `generator/lexique.toml`.
#[derive(Debug, Deserialize)]
struct Lexicon {
    lieux: Vec<String>,
    qualificatifs: Vec<String>,
    activites: Vec<String>,
    publics_phrases: Vec<String>,
    prenoms: Vec<String>,
    noms: Vec<String>,
    voies: Vec<String>,
    noms_de_voies: Vec<String>,
    types_structure: Vec<String>,
    themes: BTreeMap<String, Vec<String>>,
}

/// What was generated.
#[derive(Debug)]
pub struct GeneratedSource {
    /// The CSV file.
    pub data: PathBuf,
    /// Its descriptor.
    pub descriptor: PathBuf,
    /// Number of rows.
    pub rows: usize,
}

/// Writes `count` synthetic initiatives to `out` (CSV) and a descriptor beside it (`.toml`).
pub fn generate_source(
    territories: &Territories,
    count: usize,
    seed: u64,
    out: &Path,
) -> std::io::Result<GeneratedSource> {
    let lexicon: Lexicon = toml::from_str(include_str!("../generator/lexique.toml"))
        .expect("the bundled lexicon is valid");
    let communes = CommunePicker::new(territories);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut writer = csv::Writer::from_path(out)?;
    writer.write_record(COLUMNS)?;
    for row_idx in 0..count {
        let commune = communes.pick(&mut rng);
        writer.write_record(synthetic_row(&lexicon, &mut rng, row_idx, commune))?;
    }
    writer.flush()?;
    let descriptor = out.with_extension("toml");
    write_descriptor(&descriptor, out, &lexicon, count)?;
    Ok(GeneratedSource {
        data: out.to_path_buf(),
        descriptor,
        rows: count,
    })
}

const COLUMNS: [&str; 15] = [
    "id",
    "nom",
    "description",
    "adresse",
    "code_postal",
    "commune",
    "code_insee",
    "latitude",
    "longitude",
    "structure",
    "siret",
    "type_structure",
    "thematiques",
    "courriel",
    "site",
];

fn synthetic_row(
    lexicon: &Lexicon,
    rng: &mut Xoshiro256PlusPlus,
    row_idx: usize,
    commune: &Territory,
) -> Vec<String> {
    let pick = |rng: &mut Xoshiro256PlusPlus, words: &[String]| {
        words[rng.random_range(0..words.len())].clone()
    };
    let place = pick(rng, &lexicon.lieux);
    let quality = pick(rng, &lexicon.qualificatifs);
    let name = format!("{place} {quality} {}", of_place(&commune.name));
    let description = format!(
        "{name} {}. {}",
        pick(rng, &lexicon.activites),
        pick(rng, &lexicon.publics_phrases)
    );
    let address = format!(
        "{} {} {}",
        rng.random_range(1..120),
        pick(rng, &lexicon.voies),
        pick(rng, &lexicon.noms_de_voies)
    );
    let (latitude, longitude) = commune
        .centroid
        .map(|point| {
            let jitter = |rng: &mut Xoshiro256PlusPlus| rng.random_range(-0.015..0.015);
            (
                format!("{:.5}", point.y() + jitter(rng)),
                format!("{:.5}", point.x() + jitter(rng)),
            )
        })
        .unwrap_or_default();
    // One row in ten gives no INSEE code, as many real lists do: it is placed by postcode and name.
    let insee_code = if rng.random_range(0..10) == 0 {
        String::new()
    } else {
        commune.code.clone()
    };
    let theme_tags: Vec<&String> = lexicon.themes.keys().collect();
    let themes: Vec<String> = (0..rng.random_range(1..4))
        .map(|_| theme_tags[rng.random_range(0..theme_tags.len())].clone())
        .collect();
    let carrier = format!(
        "{} {}",
        pick(rng, &lexicon.prenoms),
        pick(rng, &lexicon.noms)
    );
    vec![
        format!("G{row_idx:07}"),
        name.clone(),
        description,
        address,
        commune.postcodes.first().cloned().unwrap_or_default(),
        commune.name.clone(),
        insee_code,
        latitude,
        longitude,
        format!("Association {carrier}"),
        siret(rng),
        pick(rng, &lexicon.types_structure),
        themes.join("|"),
        format!("contact{row_idx}@exemple.org"),
        format!("https://exemple.org/initiatives/{row_idx}"),
    ]
}

/// "de Lyon", "du Mans", "des Bizots", "de la Roche", "de l'Isle": French contracts the
/// preposition with the article of a place name.
fn of_place(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("Le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = name.strip_prefix("Les ") {
        return format!("des {rest}");
    }
    if let Some(rest) = name.strip_prefix("La ") {
        return format!("de la {rest}");
    }
    if let Some(rest) = name.strip_prefix("L'") {
        return format!("de l'{rest}");
    }
    format!("de {name}")
}

/// A 14-digit number that passes the Luhn check, as SIRETs do.
fn siret(rng: &mut Xoshiro256PlusPlus) -> String {
    let mut digits: Vec<u32> = (0..13).map(|_| rng.random_range(0..10)).collect();
    digits[0] = rng.random_range(1..10);
    for check in 0..10 {
        let candidate: String = digits
            .iter()
            .chain(std::iter::once(&check))
            .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
            .collect();
        if crate::ingest::mapping::luhn_valid(&candidate) {
            return candidate;
        }
    }
    unreachable!("one check digit out of ten satisfies the Luhn sum")
}

/// Communes drawn in proportion to their population.
struct CommunePicker<'a> {
    communes: Vec<&'a Territory>,
    cumulative: Vec<u64>,
}

impl<'a> CommunePicker<'a> {
    fn new(territories: &'a Territories) -> Self {
        let communes: Vec<&Territory> = territories
            .of_kind(TerritoryKind::Commune)
            .filter(|commune| commune.centroid.is_some() && !commune.postcodes.is_empty())
            .collect();
        let mut total = 0u64;
        let cumulative = communes
            .iter()
            .map(|commune| {
                total += commune.population.unwrap_or(0).max(1) as u64;
                total
            })
            .collect();
        Self {
            communes,
            cumulative,
        }
    }

    fn pick(&self, rng: &mut Xoshiro256PlusPlus) -> &'a Territory {
        let total = *self
            .cumulative
            .last()
            .expect("communes with a centroid exist");
        let target = rng.random_range(0..total);
        let index = self.cumulative.partition_point(|sum| *sum <= target);
        self.communes[index.min(self.communes.len() - 1)]
    }
}

fn write_descriptor(
    path: &Path,
    data: &Path,
    lexicon: &Lexicon,
    count: usize,
) -> std::io::Result<()> {
    let name = data
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("synthetique.csv");
    let id: String = crate::text::slugify(name.trim_end_matches(".csv"));
    let mut file = std::fs::File::create(path)?;
    write!(
        file,
        include_str!("../generator/descriptor.toml.in"),
        id = id,
        count = count,
        location = name,
    )?;
    for (tag, concepts) in &lexicon.themes {
        let concepts: Vec<String> = concepts
            .iter()
            .map(|concept| format!("{concept:?}"))
            .collect();
        writeln!(file, "{tag} = [{}]", concepts.join(", "))?;
    }
    Ok(())
}

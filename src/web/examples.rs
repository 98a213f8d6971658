//! The example queries offered in the SPARQL editor, kept in `queries/examples/`.

const EXAMPLES: [&str; 6] = [
    include_str!("../../queries/examples/01-initiatives-par-region.rq"),
    include_str!("../../queries/examples/02-initiatives-d-un-departement.rq"),
    include_str!("../../queries/examples/03-themes-et-odd.rq"),
    include_str!("../../queries/examples/04-a-moins-de-10-km.rq"),
    include_str!("../../queries/examples/05-provenance.rq"),
    include_str!("../../queries/examples/06-sur-la-carte.rq"),
];

/// (title, query) pairs; the title is the first comment line of each file.
pub fn example_queries() -> Vec<(String, String)> {
    EXAMPLES
        .iter()
        .map(|text| {
            let title = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches('#')
                .trim();
            (title.to_owned(), text.to_string())
        })
        .collect()
}

//! Map aggregations of a search: the matches inside a viewport as points or as grid clusters,
//! and the number of matches per territory of one level.
//!
//! Clusters are cells of a grid fixed to the Web Mercator pixels of the zoom level, so that a
//! cluster stays where it is while the map is panned. Each cluster sits at the mean position
//! of its documents and carries their bounding box.

use std::collections::HashMap;
use std::io;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn, TermOrdHit};
use tantivy::schema::Value;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument};

use super::error::SearchError;
use super::facets::{FacetColumn, FacetDim, MAX_TERRITORY_DEPTH, PATH_SEPARATOR};
use super::geo::GeoFilter;
use super::index::SearchIndex;
use super::query::{SearchPlan, SearchRequest};
use super::schema;

/// Most points returned one by one; above, the viewport is answered with clusters.
pub const MAX_MAP_POINTS: usize = 400;
/// From this zoom level on, points are returned one by one whatever their number (up to
/// [`MAX_MAP_POINTS_DEEP`]), since clusters of documents at one address could never split.
pub const POINTS_ONLY_ZOOM: f64 = 16.0;
/// Most points returned at [`POINTS_ONLY_ZOOM`] and above.
pub const MAX_MAP_POINTS_DEEP: usize = 2000;
/// Deepest zoom level accepted.
pub const MAX_MAP_ZOOM: f64 = 20.0;
/// Side of a grid cell in screen pixels.
const CELL_PIXELS: f64 = 64.0;
/// Most cells of one grid; a larger viewport gets larger cells.
const MAX_CELLS: usize = 128 * 128;
/// Web Mercator stops at this latitude.
const MAX_MERCATOR_LAT: f64 = 85.051_128_78;

/// The visible part of a map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapView {
    /// `[min_lat, min_lon, max_lat, max_lon]` in degrees.
    pub bbox: [f64; 4],
    /// Zoom level of the map, 0 showing the whole world in 256 pixels; it may be fractional.
    pub zoom: f64,
}

/// What a map shows of a search inside a viewport.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapResponse {
    /// Matches with a point inside the viewport.
    pub total: usize,
    /// Documents shown one by one: all of them, or the clusters of a single document.
    pub points: Vec<MapPoint>,
    /// Groups of two documents or more, empty when every document is a point.
    pub clusters: Vec<MapCluster>,
    /// Whether points were left out (only at [`POINTS_ONLY_ZOOM`] and above).
    pub truncated: bool,
}

/// One document on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    pub iri: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

/// Documents grouped in one cell of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct MapCluster {
    pub count: usize,
    /// Mean latitude and longitude of the documents.
    pub lat: f64,
    pub lon: f64,
    /// `[min_lat, min_lon, max_lat, max_lon]` of the documents.
    pub bbox: [f64; 4],
}

impl SearchIndex {
    /// The documents matching `request` (words, facet filters, territory, `bbox` and `near`)
    /// whose point lies inside `view`: one by one when they are few, else as clusters.
    ///
    /// The request's paging and facet fields are ignored.
    pub fn map(&self, request: &SearchRequest, view: &MapView) -> Result<MapResponse, SearchError> {
        check_view(view)?;
        let Some(bbox) = intersect(request.bbox, view.bbox) else {
            return Ok(MapResponse::default());
        };
        let plan = map_plan(request, Some(bbox))?;
        let deep = view.zoom >= POINTS_ONLY_ZOOM;
        let point_limit = if deep {
            MAX_MAP_POINTS_DEEP
        } else {
            MAX_MAP_POINTS
        };
        let grid = Grid::new(&bbox, view.zoom);
        let searcher = self.searcher();
        let query = plan.to_query(self.fields(), true)?;
        let collector = GridCollector {
            geo: plan.geo,
            grid,
            point_limit,
            with_cells: !deep,
        };
        let fruit = searcher.search(&*query, &collector)?;

        let mut response = MapResponse {
            total: fruit.total,
            ..MapResponse::default()
        };
        if fruit.total <= point_limit || deep {
            response.truncated = fruit.total > point_limit;
            for (address, lat, lon) in fruit.points.into_iter().take(point_limit) {
                response
                    .points
                    .push(self.load_point(&searcher, address, lat, lon)?);
            }
            return Ok(response);
        }
        for cell in fruit.cells.into_iter().filter(|cell| cell.count > 0) {
            if cell.count == 1 {
                let (lat, lon) = (cell.lat_sum, cell.lon_sum);
                response
                    .points
                    .push(self.load_point(&searcher, cell.first, lat, lon)?);
            } else {
                response.clusters.push(cell.to_cluster());
            }
        }
        Ok(response)
    }

    /// Number of documents matching `request` in each territory of the level `depth` of the
    /// territory paths (0: régions, 1: départements, 2: EPCI…), as kind-prefixed codes.
    ///
    /// Unlike the facet counts, every filter of the request applies, the territory's included.
    pub fn territory_counts(
        &self,
        request: &SearchRequest,
        depth: usize,
    ) -> Result<Vec<(String, usize)>, SearchError> {
        if depth >= MAX_TERRITORY_DEPTH {
            return Err(SearchError::bad_request("level", "it must be below 8"));
        }
        let plan = map_plan(request, request.bbox)?;
        let searcher = self.searcher();
        let query = plan.to_query(self.fields(), true)?;
        let collector = LevelCollector {
            geo: plan.geo,
            dim: FacetDim::Level(depth as u8),
        };
        let counts = searcher.search(&*query, &collector)?;
        let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
        counts.sort();
        Ok(counts)
    }

    fn load_point(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        lat: f64,
        lon: f64,
    ) -> Result<MapPoint, SearchError> {
        let document: TantivyDocument = searcher.doc(address)?;
        let text = |field| {
            document
                .get_first(field)
                .and_then(|value| value.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        Ok(MapPoint {
            iri: text(self.fields().iri),
            name: text(self.fields().name.stemmed),
            lat,
            lon,
        })
    }
}

/// Web Mercator pixel coordinates `(x, y)` of a point at `zoom`, 256 pixels per tile.
pub fn mercator_pixels(lat: f64, lon: f64, zoom: f64) -> (f64, f64) {
    let world = 256.0 * zoom.clamp(0.0, MAX_MAP_ZOOM).exp2();
    let lat = lat.clamp(-MAX_MERCATOR_LAT, MAX_MERCATOR_LAT).to_radians();
    let x = (lon + 180.0) / 360.0 * world;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * world;
    (x, y)
}

fn check_view(view: &MapView) -> Result<(), SearchError> {
    let [min_lat, min_lon, max_lat, max_lon] = view.bbox;
    let in_range = (-90.0..=90.0).contains(&min_lat)
        && (-90.0..=90.0).contains(&max_lat)
        && (-180.0..=180.0).contains(&min_lon)
        && (-180.0..=180.0).contains(&max_lon);
    if !(in_range && min_lat <= max_lat && min_lon <= max_lon) {
        let reason = "it must be [min_lat, min_lon, max_lat, max_lon] in degrees, mins first";
        return Err(SearchError::bad_request("view", reason));
    }
    if !(0.0..=MAX_MAP_ZOOM).contains(&view.zoom) {
        return Err(SearchError::bad_request(
            "zoom",
            "it must be between 0 and 20",
        ));
    }
    Ok(())
}

/// The common part of two boxes, `None` when they do not meet.
fn intersect(first: Option<[f64; 4]>, second: [f64; 4]) -> Option<[f64; 4]> {
    let Some(first) = first else {
        return Some(second);
    };
    let common = [
        first[0].max(second[0]),
        first[1].max(second[1]),
        first[2].min(second[2]),
        first[3].min(second[3]),
    ];
    (common[0] <= common[2] && common[1] <= common[3]).then_some(common)
}

/// The plan of `request` without paging nor facets, with `bbox` as its box.
fn map_plan(request: &SearchRequest, bbox: Option<[f64; 4]>) -> Result<SearchPlan, SearchError> {
    let request = SearchRequest {
        bbox,
        cursor: None,
        limit: 0,
        facets: false,
        fair_seed: None,
        ..request.clone()
    };
    SearchPlan::from_request(&request)
}

/// The cells covering a box at a zoom level.
#[derive(Debug, Clone, Copy)]
struct Grid {
    zoom: f64,
    cell_pixels: f64,
    first_column: i64,
    first_row: i64,
    columns: usize,
    rows: usize,
}

impl Grid {
    fn new(bbox: &[f64; 4], zoom: f64) -> Grid {
        let (left, top) = mercator_pixels(bbox[2], bbox[1], zoom);
        let (right, bottom) = mercator_pixels(bbox[0], bbox[3], zoom);
        let mut cell_pixels = CELL_PIXELS;
        loop {
            let first_column = (left / cell_pixels).floor() as i64;
            let first_row = (top / cell_pixels).floor() as i64;
            let columns = ((right / cell_pixels).floor() as i64 - first_column + 1) as usize;
            let rows = ((bottom / cell_pixels).floor() as i64 - first_row + 1) as usize;
            if columns * rows <= MAX_CELLS {
                return Grid {
                    zoom,
                    cell_pixels,
                    first_column,
                    first_row,
                    columns,
                    rows,
                };
            }
            cell_pixels *= 2.0;
        }
    }

    /// The index of the cell holding a point of the grid's box.
    #[inline]
    fn cell_of(&self, lat: f64, lon: f64) -> usize {
        let (x, y) = mercator_pixels(lat, lon, self.zoom);
        let column = ((x / self.cell_pixels).floor() as i64 - self.first_column)
            .clamp(0, self.columns as i64 - 1) as usize;
        let row = ((y / self.cell_pixels).floor() as i64 - self.first_row)
            .clamp(0, self.rows as i64 - 1) as usize;
        row * self.columns + column
    }

    fn len(&self) -> usize {
        self.columns * self.rows
    }
}

/// Sums of the documents of one cell.
#[derive(Debug, Clone, Copy)]
struct Cell {
    count: usize,
    lat_sum: f64,
    lon_sum: f64,
    bbox: [f64; 4],
    first: DocAddress,
}

impl Cell {
    const EMPTY: Cell = Cell {
        count: 0,
        lat_sum: 0.0,
        lon_sum: 0.0,
        bbox: [f64::MAX, f64::MAX, f64::MIN, f64::MIN],
        first: DocAddress {
            segment_ord: 0,
            doc_id: 0,
        },
    };

    #[inline]
    fn add(&mut self, address: DocAddress, lat: f64, lon: f64) {
        if self.count == 0 {
            self.first = address;
        }
        self.count += 1;
        self.lat_sum += lat;
        self.lon_sum += lon;
        self.bbox = [
            self.bbox[0].min(lat),
            self.bbox[1].min(lon),
            self.bbox[2].max(lat),
            self.bbox[3].max(lon),
        ];
    }

    fn merge(&mut self, other: &Cell) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        self.count += other.count;
        self.lat_sum += other.lat_sum;
        self.lon_sum += other.lon_sum;
        self.bbox = [
            self.bbox[0].min(other.bbox[0]),
            self.bbox[1].min(other.bbox[1]),
            self.bbox[2].max(other.bbox[2]),
            self.bbox[3].max(other.bbox[3]),
        ];
    }

    fn to_cluster(self) -> MapCluster {
        let count = self.count as f64;
        MapCluster {
            count: self.count,
            lat: self.lat_sum / count,
            lon: self.lon_sum / count,
            bbox: self.bbox,
        }
    }
}

/// Counts the matches with a point inside the box, by cell, keeping the first ones.
struct GridCollector {
    geo: Option<GeoFilter>,
    grid: Grid,
    point_limit: usize,
    with_cells: bool,
}

struct GridFruit {
    total: usize,
    cells: Vec<Cell>,
    points: Vec<(DocAddress, f64, f64)>,
}

struct SegmentGridCollector {
    segment_ord: SegmentOrdinal,
    geo: Option<GeoFilter>,
    grid: Grid,
    lat: Column<f64>,
    lon: Column<f64>,
    point_limit: usize,
    fruit: GridFruit,
}

impl Collector for GridCollector {
    type Fruit = GridFruit;
    type Child = SegmentGridCollector;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast_fields = segment.fast_fields();
        let cells = match self.with_cells {
            true => vec![Cell::EMPTY; self.grid.len()],
            false => Vec::new(),
        };
        Ok(SegmentGridCollector {
            segment_ord,
            geo: self.geo,
            grid: self.grid,
            lat: fast_fields.f64(schema::LAT)?,
            lon: fast_fields.f64(schema::LON)?,
            point_limit: self.point_limit,
            fruit: GridFruit {
                total: 0,
                cells,
                points: Vec::new(),
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<GridFruit>) -> tantivy::Result<GridFruit> {
        let mut merged = GridFruit {
            total: 0,
            cells: match self.with_cells {
                true => vec![Cell::EMPTY; self.grid.len()],
                false => Vec::new(),
            },
            points: Vec::new(),
        };
        for fruit in fruits {
            merged.total += fruit.total;
            for (cell, other) in merged.cells.iter_mut().zip(&fruit.cells) {
                cell.merge(other);
            }
            let room = (self.point_limit + 1).saturating_sub(merged.points.len());
            merged.points.extend(fruit.points.into_iter().take(room));
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentGridCollector {
    type Fruit = GridFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let (Some(lat), Some(lon)) = (self.lat.first(doc), self.lon.first(doc)) else {
            return;
        };
        if let Some(geo) = &self.geo
            && !geo.contains(lat, lon)
        {
            return;
        }
        self.fruit.total += 1;
        let address = DocAddress::new(self.segment_ord, doc);
        if self.fruit.points.len() <= self.point_limit {
            self.fruit.points.push((address, lat, lon));
        }
        if !self.fruit.cells.is_empty() {
            let cell = self.grid.cell_of(lat, lon);
            self.fruit.cells[cell].add(address, lat, lon);
        }
    }

    fn harvest(self) -> GridFruit {
        self.fruit
    }
}

/// Counts the matches by territory of one level.
struct LevelCollector {
    geo: Option<GeoFilter>,
    dim: FacetDim,
}

struct SegmentLevelCollector {
    geo: Option<(GeoFilter, Column<f64>, Column<f64>)>,
    column: Option<StrColumn>,
    first_ord: u64,
    counts: Vec<u32>,
}

impl Collector for LevelCollector {
    type Fruit = HashMap<String, usize>;
    type Child = SegmentLevelCollector;

    fn for_segment(
        &self,
        _segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentLevelCollector> {
        let fast_fields = segment.fast_fields();
        let name = match self.dim.column() {
            FacetColumn::Place => schema::PLACE,
            _ => schema::FACET,
        };
        let column = fast_fields.str(name)?;
        let (first_ord, end_ord) = match &column {
            Some(column) => {
                let (low, high) = self.dim.key_range();
                (
                    ord_at_or_after(column, &low)?,
                    ord_at_or_after(column, &high)?,
                )
            }
            None => (0, 0),
        };
        let geo = match self.geo {
            Some(geo) => Some((
                geo,
                fast_fields.f64(schema::LAT)?,
                fast_fields.f64(schema::LON)?,
            )),
            None => None,
        };
        Ok(SegmentLevelCollector {
            geo,
            column,
            first_ord,
            counts: vec![0; (end_ord - first_ord) as usize],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<io::Result<HashMap<String, usize>>>,
    ) -> tantivy::Result<HashMap<String, usize>> {
        let mut merged = HashMap::new();
        for fruit in fruits {
            for (code, count) in fruit? {
                *merged.entry(code).or_default() += count;
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentLevelCollector {
    type Fruit = io::Result<HashMap<String, usize>>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some((geo, lat, lon)) = &self.geo {
            match (lat.first(doc), lon.first(doc)) {
                (Some(lat), Some(lon)) if geo.contains(lat, lon) => {}
                _ => return,
            }
        }
        let Some(column) = &self.column else {
            return;
        };
        for ord in column.term_ords(doc) {
            if let Some(count) = ord
                .checked_sub(self.first_ord)
                .and_then(|index| self.counts.get_mut(index as usize))
            {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> io::Result<HashMap<String, usize>> {
        let mut counts = HashMap::new();
        let Some(column) = &self.column else {
            return Ok(counts);
        };
        let mut key = String::new();
        for (index, count) in self.counts.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            column.ord_to_str(self.first_ord + index as u64, &mut key)?;
            // A key is the dimension's prefix then the path; the territory is its last step.
            let code = key.rsplit(PATH_SEPARATOR).next().unwrap_or_default();
            let code = code.rsplit('\u{1f}').next().unwrap_or_default();
            *counts.entry(code.to_owned()).or_default() += *count as usize;
        }
        Ok(counts)
    }
}

/// The first ordinal whose key is at or after `key`, clamped to the number of terms.
fn ord_at_or_after(column: &StrColumn, key: &str) -> io::Result<u64> {
    let ord = match column.dictionary().term_ord_or_next(key)? {
        TermOrdHit::Exact(ord) | TermOrdHit::Next(ord) => ord,
    };
    Ok(ord.min(column.num_terms() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchDocument;

    #[test]
    fn mercator_pixels_match_the_tile_scheme() {
        // At zoom 0 the world is 256 pixels wide, with (0, 0) in its middle.
        let (x, y) = mercator_pixels(0.0, 0.0, 0.0);
        assert!((x - 128.0).abs() < 1e-9 && (y - 128.0).abs() < 1e-9);
        // Tile (x=16, y=11) at zoom 5 holds Paris (48.85 N, 2.35 E): 16 * 256 ≤ x < 17 * 256.
        let (x, y) = mercator_pixels(48.8566, 2.3522, 5.0);
        assert_eq!(((x / 256.0) as u32, (y / 256.0) as u32), (16, 11));
    }

    #[test]
    fn grids_stay_small_for_large_viewports() {
        let world = [-85.0, -180.0, 85.0, 180.0];
        let grid = Grid::new(&world, 12.0);
        assert!(grid.len() <= MAX_CELLS, "{grid:?}");
        let cell = grid.cell_of(85.0, 180.0);
        assert!(cell < grid.len());
    }

    fn point_document(n: usize, lat: f64, lon: f64, path: &[&str]) -> SearchDocument {
        SearchDocument {
            iri: format!("https://example.org/initiative/{n}"),
            name: format!("Initiative {n}"),
            territory_path: path.iter().map(|code| code.to_string()).collect(),
            point: Some((lat, lon)),
            quality: 0.5,
            ..Default::default()
        }
    }

    #[test]
    fn many_points_become_clusters_that_add_up() {
        let index = SearchIndex::in_memory().unwrap();
        let path = ["region:75", "departement:33"];
        // 500 documents around Bordeaux, 10 around Lille.
        let mut documents: Vec<SearchDocument> = (0..500)
            .map(|n| point_document(n, 44.8 + (n % 10) as f64 * 0.01, -0.58, &path))
            .collect();
        documents.extend(
            (500..510).map(|n| point_document(n, 50.63, 3.06, &["region:32", "departement:59"])),
        );
        index.upsert(&documents).unwrap();

        let france = MapView {
            bbox: [41.0, -5.5, 51.5, 10.0],
            zoom: 6.0,
        };
        let response = index.map(&SearchRequest::default(), &france).unwrap();
        assert_eq!(response.total, 510);
        assert!(response.points.is_empty());
        let counts: usize = response.clusters.iter().map(|cluster| cluster.count).sum();
        assert_eq!(counts, 510);
        let lille = response
            .clusters
            .iter()
            .find(|cluster| cluster.lat > 50.0)
            .unwrap();
        assert_eq!(lille.count, 10);
        assert!((lille.lon - 3.06).abs() < 1e-9);

        // Around Lille alone, the ten documents come one by one with their names.
        let north = MapView {
            bbox: [50.0, 2.5, 51.0, 3.5],
            zoom: 9.0,
        };
        let response = index.map(&SearchRequest::default(), &north).unwrap();
        assert_eq!((response.total, response.points.len()), (10, 10));
        assert!(response.points[0].name.starts_with("Initiative 5"));
        assert!(response.clusters.is_empty());
    }

    #[test]
    fn territory_counts_apply_every_filter() {
        let index = SearchIndex::in_memory().unwrap();
        index
            .upsert(&[
                point_document(1, 44.8, -0.5, &["region:75", "departement:33"]),
                point_document(2, 44.9, -0.6, &["region:75", "departement:33"]),
                point_document(3, 45.2, 0.7, &["region:75", "departement:24"]),
                point_document(4, 50.6, 3.0, &["region:32", "departement:59"]),
            ])
            .unwrap();
        let all = SearchRequest::default();
        let regions = index.territory_counts(&all, 0).unwrap();
        assert_eq!(
            regions,
            [("region:32".to_owned(), 1), ("region:75".to_owned(), 3)]
        );
        let in_75 = SearchRequest {
            territory: Some("region:75".into()),
            bbox: Some([44.0, -1.0, 45.0, 1.0]),
            ..Default::default()
        };
        let departements = index.territory_counts(&in_75, 1).unwrap();
        assert_eq!(departements, [("departement:33".to_owned(), 2)]);
    }
}

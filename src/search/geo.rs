//! Geographic filters: a latitude-longitude box and a great-circle radius.

/// Mean Earth radius (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The geographic part of a request; a document without a point never passes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct GeoFilter {
    /// `[min_lat, min_lon, max_lat, max_lon]`.
    pub bbox: Option<[f64; 4]>,
    /// `(lat, lon, km)`.
    pub near: Option<(f64, f64, f64)>,
}

impl GeoFilter {
    /// Whether the point `(lat, lon)` passes both parts of the filter.
    #[inline]
    pub(super) fn contains(&self, lat: f64, lon: f64) -> bool {
        if let Some([min_lat, min_lon, max_lat, max_lon]) = self.bbox
            && (lat < min_lat || lat > max_lat || lon < min_lon || lon > max_lon)
        {
            return false;
        }
        match self.near {
            Some((center_lat, center_lon, km)) => {
                haversine_km((center_lat, center_lon), (lat, lon)) <= km
            }
            None => true,
        }
    }
}

/// Great-circle distance between two `(lat, lon)` points in degrees, in kilometres.
pub fn haversine_km(from: (f64, f64), to: (f64, f64)) -> f64 {
    let (lat1, lat2) = (from.0.to_radians(), to.0.to_radians());
    let half_dlat = (lat2 - lat1) / 2.0;
    let half_dlon = (to.1 - from.1).to_radians() / 2.0;
    let a = half_dlat.sin().powi(2) + lat1.cos() * lat2.cos() * half_dlon.sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_to_lyon_is_about_392_km() {
        let distance = haversine_km((48.8566, 2.3522), (45.7640, 4.8357));
        assert!((distance - 391.5).abs() < 1.5, "{distance}");
    }

    #[test]
    fn box_and_radius_both_apply() {
        let filter = GeoFilter {
            bbox: Some([45.0, 4.0, 46.0, 5.0]),
            near: Some((45.5, 4.5, 10.0)),
        };
        assert!(filter.contains(45.5, 4.5));
        assert!(!filter.contains(45.1, 4.1));
        assert!(!filter.contains(47.0, 4.5));
    }
}

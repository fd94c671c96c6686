// Geo positions as sorted-set scores (GEOADD, GEOPOS, GEORADIUS, GEOSEARCH, ...), in Redis 7.0's
// exact arithmetic, so the same coordinates give the same score, position, distance and search
// result on both servers, and geo sets move between them as ordinary sorted sets.
//
// Facts of Redis's scheme:
//  - A position is a cell of a 2^26 x 2^26 grid over longitude [-180, 180] and latitude
//    [-85.05112878, 85.05112878] (Web Mercator's limits). Its score is the 52-bit interleave of
//    the two 26-bit cell numbers: latitude bits at the even positions, longitude bits at the odd
//    ones. A score decodes to its cell's centre, clamped to the limits.
//  - A cell at a coarser step s covers the scores [bits << (52 - 2s), (bits + 1) << (52 - 2s)).
//  - Distances are haversine on a sphere of radius 6372797.560856 m; when the two longitudes'
//    half-difference has a zero sine the distance is the latitude arc alone.
//  - A search (circle or box) scans a centre cell and its 8 neighbours at a step estimated from
//    the search's radius, dropping neighbours the search's bounding box cannot reach, then keeps
//    the positions within the shape.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace basalt::store::geo {

inline constexpr double kLongMin = -180;
inline constexpr double kLongMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr int kStepMax = 26;

struct Range {
  double min = 0;
  double max = 0;
};

// A grid cell: `step` bits per coordinate, interleaved in `bits`. The zero cell (bits and step
// 0) stands for "no cell" among a search's neighbours.
struct Cell {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool none() const { return bits == 0 && step == 0; }
  bool operator==(const Cell&) const = default;
};

// Whether GEOADD and the searches accept a position (the limits above, inclusive).
bool ValidPosition(double lon, double lat);

// The score of a valid position, as GEOADD stores it.
uint64_t ScoreOf(double lon, double lat);

// The position a score stands for (its cell's centre, clamped). Every score decodes, as in
// Redis: one that is not a geo score gives some clamped position.
void DecodeScore(double score, double* lon, double* lat);

// GEOHASH's 11-character string of a score: the position re-encoded over latitude [-90, 90],
// 5 bits per character of "0123456789bcdefghjkmnpqrstuvwxyz", the 11th always '0'.
std::string HashString(double score);

// Great-circle distance in meters.
double Distance(double lon1, double lat1, double lon2, double lat2);

// What a search looks for: a circle of `radius` or a `width` x `height` box, centred on
// (lon, lat), in the unit `to_meters` converts to meters.
struct Shape {
  enum class Kind { kCircle, kBox };
  Kind kind = Kind::kCircle;
  double lon = 0;
  double lat = 0;
  double to_meters = 1;
  double radius = 0;
  double width = 0;
  double height = 0;
};

// The cells a search scans, in Redis's order: centre, N, S, E, W, NE, NW, SE, SW. Neighbours the
// search cannot reach are none().
std::array<Cell, 9> SearchCells(const Shape& shape);

// The scores [*min, *max) of the positions within `cell`.
void CellScores(const Cell& cell, uint64_t* min, uint64_t* max);

// Whether a position is within the shape; *meters is its distance from the centre then.
bool WithinShape(const Shape& shape, double lon, double lat, double* meters);

}  // namespace basalt::store::geo

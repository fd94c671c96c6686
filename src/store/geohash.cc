// Geohash arithmetic. Every formula here is evaluated in the same order, with the same
// constants and the same libm calls as redis-server 7.0.15 evaluates it: a last-bit difference
// in a distance changes a "%.4f" reply or puts a position on the other side of a radius. The
// file is built with -ffp-contract=off (CMakeLists.txt) so no multiply-add is fused.
#include "store/geohash.h"

#include <cmath>
#include <numbers>

namespace basalt::store::geo {
namespace {

constexpr double kEarthRadius = 6372797.560856;  // meters
// The length of half the equator in Web Mercator meters: the step estimate's yardstick.
constexpr double kMercatorMax = 20037726.37;
constexpr double kDegToRad = std::numbers::pi / 180.0;

constexpr Range kLongRange{kLongMin, kLongMax};
constexpr Range kLatRange{kLatMin, kLatMax};

double ToRadians(double degrees) { return degrees * kDegToRad; }
double ToDegrees(double radians) { return radians / kDegToRad; }

// Spreads the 32 bits of `v` to the even bit positions: halves move apart 16, 8, 4, 2 and 1
// places in turn, each step masking what moved (a search decodes every member it looks at, so
// this is on the hot path; a bit-by-bit loop cost a search 20%).
uint64_t SpreadBits(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// Gathers the even bit positions of `v` into 32 bits: SpreadBits backwards.
uint32_t GatherBits(uint64_t v) {
  uint64_t x = v & 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// A coordinate's cell number at `step`: its offset within the range, scaled, truncated.
uint32_t CellNumber(double value, Range range, int step) {
  double offset = (value - range.min) / (range.max - range.min);
  offset *= static_cast<double>(1ULL << step);
  return static_cast<uint32_t>(static_cast<int64_t>(offset));
}

Cell Encode(Range lon_range, Range lat_range, double lon, double lat, int step) {
  Cell cell;
  cell.step = static_cast<uint8_t>(step);
  cell.bits = SpreadBits(CellNumber(lat, lat_range, step)) |
              (SpreadBits(CellNumber(lon, lon_range, step)) << 1);
  return cell;
}

struct Area {
  Range lon;
  Range lat;
};

// The cell's edges. The "+ 1" wraps in 32 bits, as the cell numbers do.
Range CellEdges(uint32_t number, Range range, int step) {
  const double cells = static_cast<double>(1ULL << step);
  const double scale = range.max - range.min;
  const uint32_t next = number + 1u;
  return {range.min + (number * 1.0 / cells) * scale, range.min + (next * 1.0 / cells) * scale};
}

Area Decode(const Cell& cell, Range lon_range = kLongRange, Range lat_range = kLatRange) {
  return {CellEdges(GatherBits(cell.bits >> 1), lon_range, cell.step),
          CellEdges(GatherBits(cell.bits), lat_range, cell.step)};
}

double Clamp(double v, double lo, double hi) {
  if (v > hi) return hi;
  return lo > v ? lo : v;
}

// Converts a score to an integer as C's (uint64_t) cast compiles on x86-64 (cvttsd2si, with the
// top half shifted): a score that is no geo score still decodes to the bits Redis reads.
uint64_t ScoreBits(double score) {
  constexpr double kTwo63 = 9223372036854775808.0;
  auto truncate = [](double v) -> uint64_t {
    // cvttsd2si answers 0x8000000000000000 for NaN and out-of-range values.
    if (!(v >= -kTwo63 && v < kTwo63)) return 1ULL << 63;
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  };
  if (score >= kTwo63) return truncate(score - kTwo63) ^ (1ULL << 63);
  return truncate(score);
}

// Moves a cell one column east (+1) or west (-1), or one row north or south. Adding 1 to the
// interleaved number of one coordinate: the other coordinate's bit positions are filled with
// ones so the carry (or borrow) runs through them, then masked off again.
uint64_t StepCoordinate(uint64_t bits, int step, int direction, bool longitude) {
  constexpr uint64_t kEven = 0x5555555555555555ULL;
  constexpr uint64_t kOdd = 0xaaaaaaaaaaaaaaaaULL;
  const int shift = 64 - 2 * step;
  const uint64_t own_mask = longitude ? kOdd : kEven;
  const uint64_t other_fill = (longitude ? kEven : kOdd) >> shift;
  uint64_t own = bits & own_mask;
  const uint64_t other = bits & ~own_mask;
  if (direction > 0) {
    own = own + (other_fill + 1);
  } else {
    own = (own | other_fill) - (other_fill + 1);
  }
  own &= own_mask >> shift;
  return own | other;
}

Cell Moved(Cell cell, int east, int north) {
  if (east != 0) cell.bits = StepCoordinate(cell.bits, cell.step, east, /*longitude=*/true);
  if (north != 0) cell.bits = StepCoordinate(cell.bits, cell.step, north, /*longitude=*/false);
  return cell;
}

// The step whose cells are about the size of the search: halving from the Mercator half-equator
// until the range fits, two steps coarser to keep the common cases within the 9 cells, and
// coarser still near the poles where a cell narrows.
int EstimateStep(double range_meters, double lat) {
  if (range_meters == 0) return kStepMax;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > kStepMax) step = kStepMax;
  return step;
}

// The search's bounding box. A parallel away from the equator is shorter, so the box's widest
// longitude span is taken at the edge nearer the pole.
Area BoundingBox(const Shape& shape) {
  const bool circle = shape.kind == Shape::Kind::kCircle;
  const double height = shape.to_meters * (circle ? shape.radius : shape.height / 2);
  const double width = shape.to_meters * (circle ? shape.radius : shape.width / 2);
  const double lat_delta = ToDegrees(height / kEarthRadius);
  const double long_delta_top =
      ToDegrees(width / kEarthRadius / std::cos(ToRadians(shape.lat + lat_delta)));
  const double long_delta_bottom =
      ToDegrees(width / kEarthRadius / std::cos(ToRadians(shape.lat - lat_delta)));
  const double long_delta = shape.lat < 0 ? long_delta_bottom : long_delta_top;
  return {{shape.lon - long_delta, shape.lon + long_delta},
          {shape.lat - lat_delta, shape.lat + lat_delta}};
}

// A circle's radius, or the distance from a box's centre to its corner, in meters.
double ReachMeters(const Shape& shape) {
  const double reach = shape.kind == Shape::Kind::kCircle
                           ? shape.radius
                           : std::sqrt((shape.width / 2) * (shape.width / 2) +
                                       (shape.height / 2) * (shape.height / 2));
  return reach * shape.to_meters;
}

// The centre cell and its neighbours at `step`, in SearchCells' order.
std::array<Cell, 9> CellsAround(const Shape& shape, int step) {
  const Cell centre = Encode(kLongRange, kLatRange, shape.lon, shape.lat, step);
  return {centre,
          Moved(centre, 0, 1),
          Moved(centre, 0, -1),
          Moved(centre, 1, 0),
          Moved(centre, -1, 0),
          Moved(centre, 1, 1),
          Moved(centre, -1, 1),
          Moved(centre, 1, -1),
          Moved(centre, -1, -1)};
}

enum Slot { kCentre, kNorth, kSouth, kEast, kWest, kNorthEast, kNorthWest, kSouthEast, kSouthWest };

double LatDistance(double lat1, double lat2) {
  return kEarthRadius * std::fabs(ToRadians(lat2) - ToRadians(lat1));
}

}  // namespace

bool ValidPosition(double lon, double lat) {
  return !(lon < kLongMin || lon > kLongMax || lat < kLatMin || lat > kLatMax);
}

uint64_t ScoreOf(double lon, double lat) {
  return Encode(kLongRange, kLatRange, lon, lat, kStepMax).bits;
}

void DecodeScore(double score, double* lon, double* lat) {
  const Area area = Decode(Cell{ScoreBits(score), kStepMax});
  *lon = Clamp((area.lon.min + area.lon.max) / 2, kLongMin, kLongMax);
  *lat = Clamp((area.lat.min + area.lat.max) / 2, kLatMin, kLatMax);
}

std::string HashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double lon, lat;
  DecodeScore(score, &lon, &lat);
  const Cell cell = Encode({-180, 180}, {-90, 90}, lon, lat, kStepMax);
  std::string out(11, '0');
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(cell.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = ToRadians(lon1);
  const double lon2r = ToRadians(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Redis takes this shortcut; it is the same arc, but not always the same last bit.
  if (v == 0.0) return LatDistance(lat1, lat2);
  const double lat1r = ToRadians(lat1);
  const double lat2r = ToRadians(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadius * std::asin(std::sqrt(a));
}

std::array<Cell, 9> SearchCells(const Shape& shape) {
  const Area box = BoundingBox(shape);
  int step = EstimateStep(ReachMeters(shape), shape.lat);
  std::array<Cell, 9> cells = CellsAround(shape, step);
  // Near a cell's edge the neighbours at the estimated step may not reach the box's far side:
  // one step coarser then.
  const bool short_reach =
      Decode(cells[kNorth]).lat.max < box.lat.max || Decode(cells[kSouth]).lat.min > box.lat.min ||
      Decode(cells[kEast]).lon.max < box.lon.max || Decode(cells[kWest]).lon.min > box.lon.min;
  if (step > 1 && short_reach) cells = CellsAround(shape, --step);
  if (step < 2) return cells;
  // Neighbours on a side the box does not pass the centre cell's edge on are not needed.
  const Area centre = Decode(cells[kCentre]);
  auto drop = [&](std::initializer_list<Slot> slots) {
    for (Slot s : slots) cells[s] = Cell{};
  };
  if (centre.lat.min < box.lat.min) drop({kSouth, kSouthWest, kSouthEast});
  if (centre.lat.max > box.lat.max) drop({kNorth, kNorthEast, kNorthWest});
  if (centre.lon.min < box.lon.min) drop({kWest, kSouthWest, kNorthWest});
  if (centre.lon.max > box.lon.max) drop({kEast, kSouthEast, kNorthEast});
  return cells;
}

void CellScores(const Cell& cell, uint64_t* min, uint64_t* max) {
  const int shift = 52 - cell.step * 2;
  *min = cell.bits << shift;
  *max = (cell.bits + 1) << shift;
}

bool WithinShape(const Shape& shape, double lon, double lat, double* meters) {
  if (shape.kind == Shape::Kind::kCircle) {
    *meters = Distance(shape.lon, shape.lat, lon, lat);
    // Written as Redis compares: a NaN distance (asin just past 1, near the antipode) is in.
    return !(*meters > shape.radius * shape.to_meters);
  }
  // The box's sides are measured along the position's own parallel and meridian.
  if (LatDistance(lat, shape.lat) > shape.height * shape.to_meters / 2) return false;
  if (Distance(lon, lat, shape.lon, lat) > shape.width * shape.to_meters / 2) return false;
  *meters = Distance(shape.lon, shape.lat, lon, lat);
  return true;
}

}  // namespace basalt::store::geo

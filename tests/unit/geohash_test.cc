// Geo arithmetic (store/geohash.h) against values taken from redis-server 7.0.15: scores,
// decoded positions in GEOPOS's format, GEOHASH strings, distances in GEODIST's, the cells a
// search scans, and the scores no GEOADD makes.
#include "store/geohash.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "common/strings.h"

using namespace basalt;
using namespace basalt::store;

namespace {

std::string Position(double score) {
  double lon, lat;
  geo::DecodeScore(score, &lon, &lat);
  return FormatLongDoubleHuman(lon) + "," + FormatLongDoubleHuman(lat);
}

std::string Meters(double d) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", d);
  return buf;
}

// The cells as "hex" (step omitted) or "-" for none, in SearchCells' order.
std::string Cells(const geo::Shape& shape, int* step) {
  std::string out;
  *step = 0;
  for (const geo::Cell& c : geo::SearchCells(shape)) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(c.bits));
    out += c.none() ? "-" : buf;
    out += ' ';
    if (!c.none()) *step = c.step;
  }
  return out;
}

geo::Shape Circle(double lon, double lat, double meters) {
  geo::Shape s;
  s.lon = lon;
  s.lat = lat;
  s.radius = meters;
  return s;
}

}  // namespace

TEST_SUITE("geohash") {
  TEST_CASE("a position's score, and the position and geohash it decodes to") {
    CHECK(geo::ScoreOf(13.361389, 38.115556) == 3479099956230698ULL);
    CHECK(geo::ScoreOf(15.087269, 37.502669) == 3479447370796909ULL);
    CHECK(Position(3479099956230698.0) == "13.36138933897018433,38.11555639549629859");
    CHECK(Position(3479447370796909.0) == "15.08726745843887329,37.50266842333162032");
    CHECK(geo::HashString(3479099956230698.0) == "sqc8b49rny0");
    CHECK(geo::HashString(3479447370796909.0) == "sqdtr74hyu0");
  }

  TEST_CASE("the limits are valid positions; past them is not") {
    CHECK(geo::ValidPosition(180, 85.05112878));
    CHECK(geo::ValidPosition(-180, -85.05112878));
    CHECK_FALSE(geo::ValidPosition(180.0000001, 0));
    CHECK_FALSE(geo::ValidPosition(0, -85.05112879));
  }

  TEST_CASE("scores no GEOADD makes decode as x86-64 redis-server decodes them, clamped") {
    CHECK(Position(0) == "-179.99999731779098511,-85.05112751263942528");
    CHECK(Position(-1) == "180,85.0511287799999991");
    // 1e20 and +inf convert to 0; -inf to 2^63.
    CHECK(Position(1e20) == Position(0));
    CHECK(Position(std::numeric_limits<double>::infinity()) == Position(0));
    CHECK(Position(-std::numeric_limits<double>::infinity()) == Position(9223372036854775808.0));
    CHECK(Position(4503599627370495.0) == "179.99999731779098511,85.05112751263942528");
  }

  TEST_CASE("distances, with the same-meridian shortcut") {
    double lon1, lat1, lon2, lat2;
    geo::DecodeScore(3479099956230698.0, &lon1, &lat1);
    geo::DecodeScore(3479447370796909.0, &lon2, &lat2);
    CHECK(Meters(geo::Distance(lon1, lat1, lon2, lat2)) == "166274.1516");
    CHECK(Meters(geo::Distance(lon1, lat1, lon2, lat2) / 1000) == "166.2742");
    CHECK(geo::Distance(10, 0, 10, 1) == doctest::Approx(111226.3).epsilon(1e-6));
    CHECK(geo::Distance(lon1, lat1, lon1, lat1) == 0);
  }

  TEST_CASE("a search's cells: step, neighbours dropped, the poles and the antimeridian") {
    int step;
    // Redis's choices for these searches (hex cell bits, its scan order).
    CHECK(Cells(Circle(15, 37, 200000), &step) == "c59 c5c - c5b - c5e - - - ");
    CHECK(step == 6);
    CHECK(Cells(Circle(0, 85, 100000), &step) == "d5 80 - - 7f - 2a - - ");
    CHECK(step == 4);
    CHECK(Cells(Circle(180, 0, 100000), &step) == "2400 - 2155 - eaa - - - bff ");
    CHECK(step == 6);
    // At step 1 nothing is dropped: the scan skips each repeat of the cell before it.
    CHECK(Cells(Circle(0, 0, std::numeric_limits<double>::infinity()), &step) ==
          "3 2 2 1 1 0 0 0 0 ");
    CHECK(step == 1);
    // A zero radius searches the one position's cell at full precision.
    CHECK(Cells(Circle(13.361389, 38.115556, 0), &step).find("- - - - - - - -") !=
          std::string::npos);
    CHECK(step == geo::kStepMax);
  }

  TEST_CASE("a cell's scores are its prefix followed by every 52-bit suffix") {
    uint64_t min, max;
    geo::CellScores(geo::Cell{0xc59, 6}, &min, &max);
    CHECK(min == 0xc59ULL << 40);
    CHECK(max == 0xc5aULL << 40);
    geo::CellScores(geo::Cell{3479099956230698ULL, 26}, &min, &max);
    CHECK(max - min == 1);
  }

  TEST_CASE("a box is measured along the position's own parallel and meridian") {
    geo::Shape box;
    box.kind = geo::Shape::Kind::kBox;
    box.lon = 15;
    box.lat = 37;
    box.width = 400000;
    box.height = 100000;
    double meters;
    CHECK(geo::WithinShape(box, 15.087269, 37.502669, &meters) == false);  // 55.8 km north
    box.height = 120000;
    CHECK(geo::WithinShape(box, 15.087269, 37.502669, &meters));
    CHECK(Meters(meters) == Meters(geo::Distance(15, 37, 15.087269, 37.502669)));
    CHECK_FALSE(geo::WithinShape(box, 17.5, 37, &meters));  // 222 km east
  }
}

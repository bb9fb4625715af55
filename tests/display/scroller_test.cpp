#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "scroller.hpp"

using namespace pleno::display;

namespace {

constexpr int wall_height = 600;

// Cards of varied heights whose reading time grows with their length, as the
// application computes it (3 s plus a little per character).
std::vector<scroll_item> sample_cards(int count, std::int64_t first_id = 1)
{
    std::vector<scroll_item> items;
    for (int i = 0; i < count; ++i) {
        int const characters = 20 + (i * 53) % 240;
        int const height = 90 + characters * 3 / 4;  // taller for longer text
        items.push_back({first_id + i, height, 3.0 + 0.03 * characters});
    }
    return items;
}

// The list with one new card in front (newest first), as the application passes it.
std::vector<scroll_item> with_first(scroll_item card, std::vector<scroll_item> const& items)
{
    std::vector<scroll_item> result;
    result.reserve(items.size() + 1);
    result.push_back(card);
    result.insert(result.end(), items.begin(), items.end());
    return result;
}

int total_height(std::vector<scroll_item> const& items)
{
    int total = 0;
    for (auto const& item : items)
        total += item.height;
    return total;
}

scroll_item const& item_of(std::vector<scroll_item> const& items, std::int64_t id)
{
    auto found = std::find_if(items.begin(), items.end(), [id](scroll_item const& item) { return item.post_id == id; });
    REQUIRE(found != items.end());
    return *found;
}

bool fully_visible(card_position const& card, int height, int viewport)
{
    return card.entering >= 1.0 && card.y >= 0 && card.y + height <= viewport;
}

std::map<std::int64_t, int> positions(scroller const& wall)
{
    std::map<std::int64_t, int> result;
    for (auto const& card : wall.visible())
        result[card.post_id] = card.y;
    return result;
}

// What one cycle looked like, watched at a given frame rate from `start`:
// how long each card stayed fully visible without a break (its longest
// stretch), the deepest offset, and when the wall was back at the top.
struct cycle_watch {
    std::map<std::int64_t, double> longest_stretch;
    double deepest = 0;
    double back_at_top = -1;
    double largest_step = 0;  // the largest move down between two frames
};

cycle_watch watch_cycle(scroller& wall, std::vector<scroll_item> const& items, double start, double fps, double limit_seconds)
{
    cycle_watch watch;
    std::map<std::int64_t, double> current;
    bool left_top = false;
    double previous_offset = wall.offset();
    for (int frame = 0; frame < static_cast<int>(limit_seconds * fps); ++frame) {
        double const now = start + frame / fps;
        wall.advance(now);
        std::set<std::int64_t> shown;
        for (auto const& card : wall.visible())
            if (fully_visible(card, item_of(items, card.post_id).height, wall_height)) {
                shown.insert(card.post_id);
                current[card.post_id] += 1.0 / fps;
                watch.longest_stretch[card.post_id] = std::max(watch.longest_stretch[card.post_id], current[card.post_id]);
            }
        for (auto& [id, seconds] : current)
            if (!shown.contains(id))
                seconds = 0;
        watch.deepest = std::max(watch.deepest, wall.offset());
        if (wall.offset() > 20)
            left_top = true;
        if (left_top && wall.offset() < 0.5) {
            watch.back_at_top = now - start;
            break;
        }
        // Going down at reading pace; the ease back to the top is allowed to be quicker.
        if (wall.offset() >= previous_offset)
            watch.largest_step = std::max(watch.largest_step, wall.offset() - previous_offset);
        previous_offset = wall.offset();
    }
    return watch;
}

// Advances at 60 fps until the offset passes `offset`; returns the time.
double scroll_until(scroller& wall, double start, double offset)
{
    for (int frame = 0; frame < 60 * 600; ++frame) {
        double const now = start + frame / 60.0;
        wall.advance(now);
        if (wall.offset() > offset)
            return now;
    }
    FAIL("the wall never got there");
    return start;
}

}  // namespace

TEST_CASE("cards that fit stand still and ask for no frames")
{
    scroller wall;
    wall.set_viewport(1000);
    wall.set_items({{1, 200, 4}, {2, 300, 6}, {3, 250, 5}}, 0.0);
    for (int frame = 0; frame < 600; ++frame) {
        CHECK_FALSE(wall.advance(frame / 60.0));
        CHECK(wall.offset() == 0);
    }
    auto cards = wall.visible();
    REQUIRE(cards.size() == 3);
    CHECK(cards[0].y == 0);
    CHECK(cards[1].y == 200);
    CHECK(cards[2].y == 500);
    CHECK(cards[2].entering == 1.0);
    CHECK(std::isinf(wall.seconds_until_change(10.0)));
}

TEST_CASE("an overflowing wall keeps every card fully visible for at least its reading time")
{
    auto const items = sample_cards(14);
    REQUIRE(total_height(items) > 3 * wall_height);
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(items, 0.0);

    auto const watch = watch_cycle(wall, items, 0.0, 60.0, 600.0);
    REQUIRE(watch.back_at_top > 0);  // one whole cycle, back at the top
    CHECK(watch.deepest == doctest::Approx(total_height(items) - wall_height).epsilon(0.001));
    double reading = 0;
    for (auto const& item : items) {
        CAPTURE(item.post_id);
        CAPTURE(item.height);
        REQUIRE(watch.longest_stretch.contains(item.post_id));  // every card was seen whole
        CHECK(watch.longest_stretch.at(item.post_id) >= item.reading_seconds);
        reading += item.reading_seconds;
    }
    // Reading pace, not a crawl: the cycle takes less than reading the cards one after the other.
    CHECK(watch.back_at_top < reading);
    // Smooth: no frame jumps more than a few pixels.
    CHECK(watch.largest_step < 3.0);
}

TEST_CASE("longer posts make the wall go slower")
{
    auto short_items = sample_cards(10);
    auto long_items = short_items;
    for (auto& item : short_items)
        item.reading_seconds = 4;
    for (auto& item : long_items)
        item.reading_seconds = 10;
    scroller quick;
    scroller slow;
    quick.set_viewport(wall_height);
    slow.set_viewport(wall_height);
    quick.set_items(short_items, 0.0);
    slow.set_items(long_items, 0.0);
    double const deep = total_height(short_items) - wall_height - 1.0;
    double const quick_time = scroll_until(quick, 0.0, deep);
    double const slow_time = scroll_until(slow, 0.0, deep);
    CHECK(slow_time > quick_time * 1.8);
}

TEST_CASE("the wall waits at the top for the newest card, and says how long")
{
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(sample_cards(10), 0.0);
    CHECK_FALSE(wall.advance(0.0));
    double const wait = wall.seconds_until_change(0.0);
    CHECK(wait >= sample_cards(1)[0].reading_seconds);
    CHECK(wait < sample_cards(1)[0].reading_seconds + 0.5);
    CHECK_FALSE(wall.advance(wait - 0.2));
    CHECK(wall.offset() == 0);
    CHECK(wall.advance(wait + 0.5));
    CHECK(wall.offset() > 0);
    CHECK(wall.seconds_until_change(wait + 0.5) == 0);
}

TEST_CASE("a new card at the top of a still wall grows in and pushes the others down smoothly")
{
    scroller wall;
    wall.set_viewport(1000);
    wall.set_items({{1, 200, 4}, {2, 200, 4}}, 0.0);
    CHECK_FALSE(wall.advance(1.0));

    wall.set_items({{3, 200, 4}, {1, 200, 4}, {2, 200, 4}}, 1.0);
    CHECK(wall.advance(1.0));
    auto start = positions(wall);
    REQUIRE(start.contains(3));
    CHECK(start.at(3) == 0);
    CHECK(start.at(1) == 0);  // its slot is still empty: nothing jumped
    CHECK(wall.visible()[0].entering == doctest::Approx(0.0));

    int previous = 0;
    int largest_step = 0;
    for (int frame = 1; frame <= 36; ++frame) {
        CHECK(wall.advance(1.0 + frame / 60.0 - 1e-9));
        int const y = positions(wall).at(1);
        CHECK(y >= previous);
        largest_step = std::max(largest_step, y - previous);
        previous = y;
        if (frame == 18) {  // half way
            CHECK(wall.visible()[0].entering > 0.3);
            CHECK(wall.visible()[0].entering < 0.7);
            CHECK(y > 50);
            CHECK(y < 150);
        }
    }
    CHECK(largest_step <= 12);

    CHECK_FALSE(wall.advance(1.7));
    auto end = positions(wall);
    CHECK(end.at(3) == 0);
    CHECK(end.at(1) == 200);
    CHECK(end.at(2) == 400);
    CHECK(wall.visible()[0].entering == 1.0);
}

TEST_CASE("the first load of many cards appears at once, a single first card grows in")
{
    scroller wall;
    wall.set_viewport(1000);
    wall.set_items({{1, 200, 4}, {2, 200, 4}, {3, 200, 4}}, 0.0);
    for (auto const& card : wall.visible())
        CHECK(card.entering == 1.0);

    scroller empty_first;
    empty_first.set_viewport(1000);
    empty_first.set_items({}, 0.0);
    empty_first.set_items({{7, 200, 4}}, 0.5);
    REQUIRE(empty_first.visible().size() == 1);
    CHECK(empty_first.visible()[0].entering < 0.1);
}

TEST_CASE("a new card arriving while the wall is scrolled down does not move the cards on screen")
{
    auto items = sample_cards(14);
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(items, 0.0);
    double const now = scroll_until(wall, 0.0, 250.0);
    auto const before = positions(wall);
    REQUIRE(before.size() >= 2);

    items = with_first(scroll_item{100, 180, 5}, items);
    wall.set_items(items, now);
    auto const after = positions(wall);
    CHECK_FALSE(after.contains(100));  // it waits above, for the next cycle
    for (auto const& [id, y] : before) {
        CAPTURE(id);
        REQUIRE(after.contains(id));
        CHECK(std::abs(after.at(id) - y) <= 1);
    }
    wall.advance(now + 1.0 / 60.0);
    for (auto const& [id, y] : positions(wall))
        if (before.contains(id))
            CHECK(std::abs(y - before.at(id)) <= 3);
}

TEST_CASE("the card that arrived during a cycle is shown at the top after it")
{
    auto items = sample_cards(14);
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(items, 0.0);
    double const now = scroll_until(wall, 0.0, 250.0);
    items = with_first(scroll_item{100, 180, 5}, items);
    wall.set_items(items, now);
    auto const watch = watch_cycle(wall, items, now, 60.0, 600.0);
    REQUIRE(watch.back_at_top > 0);
    wall.advance(now + watch.back_at_top + 0.5);
    auto const top = positions(wall);
    REQUIRE(top.contains(100));
    CHECK(top.at(100) == 0);
}

TEST_CASE("new cards waiting above shorten a long cycle")
{
    auto const items = sample_cards(60);
    scroller plain;
    scroller waited;
    plain.set_viewport(wall_height);
    waited.set_viewport(wall_height);
    plain.set_items(items, 0.0);
    waited.set_items(items, 0.0);
    double const now = scroll_until(plain, 0.0, 400.0);
    scroll_until(waited, 0.0, 400.0);
    auto const with_new = with_first(scroll_item{500, 150, 4}, items);
    waited.set_items(with_new, now);
    auto const plain_cycle = watch_cycle(plain, items, now, 60.0, 900.0);
    auto const waited_cycle = watch_cycle(waited, with_new, now, 60.0, 900.0);
    REQUIRE(plain_cycle.back_at_top > 0);
    REQUIRE(waited_cycle.back_at_top > 0);
    CHECK(waited_cycle.back_at_top < plain_cycle.back_at_top);
    CHECK(waited_cycle.back_at_top < 80.0);
}

TEST_CASE("with hundreds of cards a cycle covers the newest and goes back to the top")
{
    std::vector<scroll_item> items;
    for (int i = 0; i < 300; ++i)
        items.push_back({i + 1, 150, 5.0});
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(items, 0.0);
    auto const watch = watch_cycle(wall, items, 0.0, 60.0, 1200.0);
    REQUIRE(watch.back_at_top > 0);
    CHECK(watch.deepest < total_height(items) - wall_height);
    CHECK(watch.deepest > 10 * 150);
    for (std::int64_t id = 1; id <= 10; ++id) {
        REQUIRE(watch.longest_stretch.contains(id));
        CHECK(watch.longest_stretch.at(id) >= 5.0);
    }
}

TEST_CASE("a hidden card leaves at once")
{
    auto items = sample_cards(14);
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(items, 0.0);
    double const now = scroll_until(wall, 0.0, 300.0);
    auto const before = wall.visible();
    REQUIRE(before.size() >= 3);
    std::int64_t const gone = before[1].post_id;
    std::int64_t const above = before[0].post_id;
    items.erase(std::find_if(items.begin(), items.end(), [gone](scroll_item const& item) { return item.post_id == gone; }));
    wall.set_items(items, now);
    auto const after = positions(wall);
    CHECK_FALSE(after.contains(gone));
    REQUIRE(after.contains(above));
    CHECK(std::abs(after.at(above) - before[0].y) <= 1);
}

TEST_CASE("paging shows whole cards only, each page for the sum of its reading times")
{
    std::vector<scroll_item> const items = {{1, 200, 3}, {2, 200, 4}, {3, 200, 5}, {4, 150, 3},
                                            {5, 300, 6}, {6, 250, 4}, {7, 100, 3}};
    int const viewport = 500;
    scroller wall(motion::paging);
    wall.set_viewport(viewport);
    wall.set_items(items, 0.0);

    std::vector<std::vector<std::int64_t>> pages;
    std::vector<double> page_starts;
    std::vector<std::int64_t> shown_ids;
    for (int frame = 0; frame < 60 * 45; ++frame) {
        double const now = frame / 60.0;
        bool const changed = wall.advance(now);
        shown_ids.clear();
        for (auto const& card : wall.visible()) {
            int const height = item_of(items, card.post_id).height;
            CHECK(card.entering == 1.0);
            CHECK(card.y >= 0);
            CHECK(card.y + height <= viewport);
            shown_ids.push_back(card.post_id);
        }
        if (pages.empty() || pages.back() != shown_ids) {
            CHECK((pages.empty() || changed));
            pages.push_back(shown_ids);
            page_starts.push_back(now);
        } else {
            CHECK_FALSE(changed);
        }
    }
    REQUIRE(pages.size() >= 5);
    CHECK(pages[0] == std::vector<std::int64_t>{1, 2});
    CHECK(pages[1] == std::vector<std::int64_t>{3, 4});
    CHECK(pages[2] == std::vector<std::int64_t>{5});
    CHECK(pages[3] == std::vector<std::int64_t>{6, 7});
    CHECK(pages[4] == std::vector<std::int64_t>{1, 2});  // and round again
    CHECK(page_starts[1] - page_starts[0] == doctest::Approx(7.0).epsilon(0.01));
    CHECK(page_starts[2] - page_starts[1] == doctest::Approx(8.0).epsilon(0.01));
    CHECK(page_starts[3] - page_starts[2] == doctest::Approx(6.0).epsilon(0.01));
    CHECK(page_starts[4] - page_starts[3] == doctest::Approx(7.0).epsilon(0.01));

    // Between page turns nothing moves: the caller may sleep until the next one.
    scroller fresh(motion::paging);
    fresh.set_viewport(viewport);
    fresh.set_items(items, 0.0);
    CHECK(fresh.seconds_until_change(0.0) == doctest::Approx(7.0));
    CHECK_FALSE(fresh.advance(5.0));
    CHECK(fresh.seconds_until_change(5.0) == doctest::Approx(2.0));
}

TEST_CASE("paging gives a new card on the page on screen its reading time")
{
    std::vector<scroll_item> items = {{1, 200, 3}, {2, 200, 4}, {3, 200, 5}};
    scroller wall(motion::paging);
    wall.set_viewport(500);
    wall.set_items(items, 0.0);
    wall.advance(6.0);
    items = with_first(scroll_item{9, 100, 5}, items);
    wall.set_items(items, 6.0);
    auto const shown = positions(wall);
    CHECK(shown.contains(9));
    CHECK(shown.at(9) == 0);
    CHECK_FALSE(wall.advance(10.9));
    CHECK(positions(wall).contains(9));
    CHECK(wall.advance(11.1));
    CHECK_FALSE(positions(wall).contains(9));
}

TEST_CASE("a paused wall stands still, then starts again gently")
{
    auto const items = sample_cards(14);
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(items, 0.0);
    double now = scroll_until(wall, 0.0, 200.0);
    wall.set_paused(true);
    CHECK(wall.paused());
    wall.advance(now);
    double const held = wall.offset();
    auto const held_positions = positions(wall);
    for (int frame = 1; frame <= 300; ++frame) {
        CHECK_FALSE(wall.advance(now + frame / 60.0));
        CHECK(wall.offset() == held);
    }
    CHECK(positions(wall) == held_positions);
    CHECK(std::isinf(wall.seconds_until_change(now + 5.0)));
    now += 5.0;
    wall.set_paused(false);
    wall.advance(now + 1.0 / 60.0);
    CHECK(wall.offset() - held < 0.5);  // no catching up on the paused time
    wall.advance(now + 3.0);
    CHECK(wall.offset() > held + 5.0);
}

TEST_CASE("a paused paging wall keeps its page")
{
    std::vector<scroll_item> const items = {{1, 300, 3}, {2, 300, 3}, {3, 300, 3}};
    scroller wall(motion::paging);
    wall.set_viewport(500);
    wall.set_items(items, 0.0);
    wall.advance(1.0);
    wall.set_paused(true);
    for (int second = 2; second < 20; ++second)
        CHECK_FALSE(wall.advance(second));
    CHECK(positions(wall).contains(1));
    wall.set_paused(false);
    CHECK_FALSE(wall.advance(20.5));
    CHECK(wall.advance(21.5));  // the 2 s the page had left when paused
    CHECK(positions(wall).contains(2));
}

TEST_CASE("the motion is the same at 30 and at 144 frames per second")
{
    auto items = sample_cards(16);
    scroller slow_frames;
    scroller fast_frames;
    for (auto* wall : {&slow_frames, &fast_frames}) {
        wall->set_viewport(wall_height);
        wall->set_items(items, 1000.0);
    }
    auto const with_new = with_first(scroll_item{99, 160, 5}, items);

    // Compare every sixth of a second (a frame time at both rates) over two cycles,
    // with a new card arriving half a minute in.
    double largest_difference = 0;
    double deepest = 0;
    int slow_frame = 0;
    int fast_frame = 0;
    for (int tick = 1; tick <= 6 * 240; ++tick) {
        double const until = 1000.0 + tick / 6.0;
        while (1000.0 + slow_frame / 30.0 < until) {
            ++slow_frame;
            double const now = 1000.0 + slow_frame / 30.0;
            if (slow_frame == 30 * 30)
                slow_frames.set_items(with_new, now);
            slow_frames.advance(now);
        }
        while (1000.0 + fast_frame / 144.0 < until) {
            ++fast_frame;
            double const now = 1000.0 + fast_frame / 144.0;
            if (fast_frame == 144 * 30)
                fast_frames.set_items(with_new, now);
            fast_frames.advance(now);
        }
        largest_difference = std::max(largest_difference, std::abs(slow_frames.offset() - fast_frames.offset()));
        deepest = std::max(deepest, slow_frames.offset());
    }
    CHECK(deepest > 1000);  // it did move
    CHECK(largest_difference <= 1.0);
    CHECK(positions(slow_frames).size() == positions(fast_frames).size());
}

TEST_CASE("a card taller than the wall does not stop the scroll")
{
    std::vector<scroll_item> const items = {{1, 200, 3}, {2, 900, 6}, {3, 200, 3}, {4, 200, 3}};
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(items, 0.0);
    auto const watch = watch_cycle(wall, items, 0.0, 60.0, 300.0);
    REQUIRE(watch.back_at_top > 0);
    CHECK(watch.deepest == doctest::Approx(total_height(items) - wall_height).epsilon(0.001));
}

TEST_CASE("a smaller wall or fewer cards bring the offset back within the content")
{
    auto items = sample_cards(14);
    scroller wall;
    wall.set_viewport(wall_height);
    wall.set_items(items, 0.0);
    double const now = scroll_until(wall, 0.0, 600.0);
    items.resize(3);
    wall.set_items(items, now);
    wall.advance(now + 0.1);
    CHECK(wall.offset() <= std::max(0, total_height(items) - wall_height));
    wall.set_viewport(5000);
    wall.advance(now + 0.2);
    CHECK(wall.offset() == 0);
    CHECK_FALSE(wall.advance(now + 0.3));
}

TEST_CASE("a wall without a height shows nothing and never moves")
{
    scroller wall;
    wall.set_items(sample_cards(5), 0.0);
    CHECK_FALSE(wall.advance(1.0));
    CHECK(wall.visible().empty());
}

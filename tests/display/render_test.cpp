#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "card_cache.hpp"
#include "layout.hpp"
#include "qr_code.hpp"
#include "renderer.hpp"
#include "scroller.hpp"
#include "sdl_handles.hpp"
#include "text_renderer.hpp"
#include "theme.hpp"
#include "wall_model.hpp"

using namespace pleno::display;

namespace {

std::filesystem::path const assets{PLENO_SOURCE_ASSETS};
std::filesystem::path const golden_folder = assets.parent_path() / "tests" / "display" / "golden";
std::string const public_url = "https://jun.example/pleno";
millis const frame_time = 1795974000000;  // 2026-11-29 17:40 UTC

// A live session with three items (the second under debate) and three posts,
// one about another item and one with an emoji only the fallback font has.
std::string const snapshot = R"({"type": "snapshot", "session_id": 1, "seq": 17,
 "session": {"id": 1, "title": "Pleno ordinario de noviembre", "place": "Salón de plenos",
   "starts_at": 1795971600000, "state": "live", "current_item_id": 2, "wall_mode": "live", "overlay": "",
   "pinned_post_id": 0, "opened_at": 1795971600000, "closed_at": 0,
   "agenda": [{"id": 1, "number": 1, "title": "Aprobación del acta", "description": "Acta de octubre."},
              {"id": 2, "number": 2, "title": "Presupuesto municipal 2027",
               "description": "Debate y votación: inversiones, caminos rurales y servicios sociales."},
              {"id": 3, "number": 3, "title": "Ordenanza de movilidad", "description": "Calle Real peatonal."}]},
 "posts": [
   {"id": 11, "session_id": 1, "item_id": 2, "author": "Lucía M.",
    "text": "¿Cuánto del presupuesto irá a los caminos rurales? El de la Fuente Vieja está intransitable.",
    "submitted_at": 1795971960000, "approved_at": 1795972080000, "pinned": false},
   {"id": 12, "session_id": 1, "item_id": 3, "author": "Jordi",
    "text": "Bona tarda des de Jun! Publicareu el pressupost en català? 👍",
    "submitted_at": 1795972110000, "approved_at": 1795972230000, "pinned": false},
   {"id": 13, "session_id": 1, "item_id": 2, "author": "Marie-Claire",
    "text": "Merci de diffuser la séance en direct, c'est très clair.",
    "submitted_at": 1795972260000, "approved_at": 1795972380000, "pinned": false}]})";

void use_headless_sdl()
{
    // Also set by CTest; here too so the binary runs alone. UTC makes the clock texts the same everywhere.
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    setenv("TZ", "UTC", 1);
    tzset();
}

theme test_theme()
{
    theme look = default_theme(assets / "fonts");
    look.public_url = public_url;
    return look;
}

// The wall drawn by SDL's software renderer into a surface we can read.
struct wall_fixture {
    explicit wall_fixture(int width, int height) : libraries(make_libraries())
    {
        target = make_argb_surface(width, height);
        REQUIRE(target);
        sdl.reset(SDL_CreateSoftwareRenderer(target.get()));
        REQUIRE(sdl);
        wall = std::make_unique<renderer>(*sdl, test_theme(), width, height);
        wall->set_public_url(public_url);
        for (auto const& outcome : model.apply_text(snapshot))
            REQUIRE(outcome.result != apply_result::rejected);
    }

    static std::unique_ptr<sdl_libraries> make_libraries()
    {
        use_headless_sdl();
        return std::make_unique<sdl_libraries>();
    }

    void apply(std::string const& message)
    {
        for (auto const& outcome : model.apply_text(message))
            REQUIRE(outcome.result != apply_result::rejected);
    }

    void frame()
    {
        scroll.set_viewport(wall->scroll_area(model).h);
        scroll.set_items(wall->scroll_items(model), seconds);
        scroll.advance(seconds);
        auto const positions = scroll.visible();
        frame_input input;
        input.model = &model;
        input.cards = &positions;
        input.now = frame_time;
        wall->draw(input);
        SDL_RenderFlush(sdl.get());
    }

    colour pixel(int x, int y) const
    {
        REQUIRE(x >= 0);
        REQUIRE(y >= 0);
        REQUIRE(x < target->w);
        REQUIRE(y < target->h);
        auto const* row = static_cast<std::uint8_t const*>(target->pixels) + static_cast<std::ptrdiff_t>(y) * target->pitch;
        std::uint32_t value = 0;
        std::memcpy(&value, row + static_cast<std::ptrdiff_t>(x) * 4, 4);
        colour result;
        SDL_GetRGBA(value, target->format, &result.r, &result.g, &result.b, &result.a);
        return result;
    }

    layout_report::card const* card(std::int64_t post_id) const
    {
        for (auto const& one : wall->last_report().cards)
            if (one.post_id == post_id)
                return &one;
        return nullptr;
    }

    std::unique_ptr<sdl_libraries> libraries;
    surface_handle target;
    renderer_handle sdl;
    std::unique_ptr<renderer> wall;
    wall_model model;
    scroller scroll{motion::scroll};
    double seconds = 10.0;
};

int distance(colour a, colour b)
{
    return std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)});
}

// How many pixels of an area are within `tolerance` of a colour.
int count_near(wall_fixture const& fixture, rect area, colour wanted, int tolerance)
{
    int count = 0;
    for (int y = area.y; y < area.bottom(); ++y)
        for (int x = area.x; x < area.right(); ++x)
            if (distance(fixture.pixel(x, y), wanted) <= tolerance)
                ++count;
    return count;
}

}  // namespace

TEST_CASE("a card is drawn where the layout report says, in the theme's card colours")
{
    wall_fixture fixture(1280, 720);
    fixture.frame();
    theme const look = test_theme();

    // The newest post is the first card, at the top of the wall, fully visible.
    auto const* card = fixture.card(13);
    REQUIRE(card != nullptr);
    CHECK(fixture.wall->layout().wall.contains(card->where));
    CHECK(card->where.y == fixture.wall->layout().wall.y);
    rect const box = card->where;

    // The padding down the card's left edge and along its bottom is card background.
    int const inset = 4;
    for (int y = box.y + box.h / 4; y < box.bottom() - box.h / 4; y += 3)
        CHECK(distance(fixture.pixel(box.x + inset, y), look.card_background) <= 2);
    for (int x = box.x + box.w / 4; x < box.right() - box.w / 4; x += 7)
        CHECK(distance(fixture.pixel(x, box.bottom() - inset), look.card_background) <= 2);

    // Its text is there: dark pixels of the card's text colour, and the author's blue.
    CHECK(count_near(fixture, box, look.card_text, 40) > 200);
    CHECK(count_near(fixture, box, look.card_author, 40) > 50);
    // Just outside it is the wall's background, not card.
    CHECK(distance(fixture.pixel(box.x - 2, box.y + box.h / 2), look.background) <= 2);
}

TEST_CASE("the QR code's modules are drawn dark and light where the matrix has them, inside a light quiet zone")
{
    wall_fixture fixture(1280, 720);
    fixture.frame();
    theme const look = test_theme();
    auto const& report = fixture.wall->last_report();
    auto const matrix = encode_qr(public_url);
    REQUIRE(matrix);
    REQUIRE(report.qr_modules == matrix->size);
    REQUIRE(report.qr_module_pixels >= 1);
    CHECK(report.qr_quiet_modules >= 2);
    CHECK(report.qr.w == report.qr_module_pixels * (matrix->size + 2 * report.qr_quiet_modules));

    int const step = report.qr_module_pixels;
    int const origin_x = report.qr.x + report.qr_quiet_modules * step;
    int const origin_y = report.qr.y + report.qr_quiet_modules * step;
    int wrong = 0;
    for (int my = 0; my < matrix->size; ++my) {
        for (int mx = 0; mx < matrix->size; ++mx) {
            // Every pixel of the module, not only its centre: the modules must be crisp.
            colour const wanted = matrix->at(mx, my) ? look.qr_dark : look.qr_light;
            for (int py = 0; py < step; ++py)
                for (int px = 0; px < step; ++px)
                    if (distance(fixture.pixel(origin_x + mx * step + px, origin_y + my * step + py), wanted) > 8)
                        ++wrong;
        }
    }
    CHECK(wrong == 0);
    // The quiet zone: a light band all round.
    for (int i = 0; i < report.qr.w; i += 2) {
        CHECK(distance(fixture.pixel(report.qr.x + i, report.qr.y + 1), look.qr_light) <= 8);
        CHECK(distance(fixture.pixel(report.qr.x + 1, report.qr.y + i), look.qr_light) <= 8);
    }
}

TEST_CASE("the agenda title is drawn in the agenda panel")
{
    wall_fixture fixture(1280, 720);
    fixture.frame();
    theme const look = test_theme();
    rect const title = fixture.wall->last_report().agenda_title;
    REQUIRE(title.w > 0);
    REQUIRE(title.h > 0);
    CHECK(fixture.wall->layout().agenda.contains(title));
    // White text on the panel: many pixels of the text colour, and not only the panel's colour.
    CHECK(count_near(fixture, title, look.text, 30) > 300);
    CHECK(count_near(fixture, title, look.header_background, 2) < title.w * title.h);
}

TEST_CASE("a second identical frame renders no text at all")
{
    wall_fixture fixture(1280, 720);
    fixture.frame();
    auto const after_first = fixture.wall->text_renders_total();
    CHECK(after_first > 0);
    CHECK(fixture.wall->last_frame_text_renders() == after_first);
    CHECK(fixture.wall->cached_cards() == 3);

    fixture.frame();
    CHECK(fixture.wall->last_frame_text_renders() == 0);
    CHECK(fixture.wall->text_renders_total() == after_first);

    // A new post renders its own card's lines only; the frame after it renders nothing again.
    fixture.apply(R"({"type": "post_approved", "session_id": 1, "seq": 18, "at": 1795972500000,
      "post": {"id": 14, "session_id": 1, "item_id": 2, "author": "Tom", "text": "Thank you.",
               "submitted_at": 1795972400000, "approved_at": 1795972500000, "pinned": false}})");
    fixture.frame();
    auto const for_new_card = fixture.wall->last_frame_text_renders();
    CHECK(for_new_card > 0);
    CHECK(for_new_card <= 4);  // author, meta and one line of text
    fixture.seconds += 5;      // past the entry animation
    fixture.frame();
    CHECK(fixture.wall->last_frame_text_renders() == 0);
}

TEST_CASE("a hidden post's card is gone from the next frame")
{
    wall_fixture fixture(1280, 720);
    fixture.frame();
    REQUIRE(fixture.card(12) != nullptr);
    fixture.apply(R"({"type": "post_hidden", "session_id": 1, "seq": 18, "at": 1795972500000,
                      "post": {"id": 12, "session_id": 1, "item_id": 3}})");
    fixture.frame();
    CHECK(fixture.card(12) == nullptr);
    CHECK(fixture.card(11) != nullptr);
    CHECK(fixture.card(13) != nullptr);
}

TEST_CASE("the pinned post is drawn at the top of the wall with the pinned background, above the scrolling cards")
{
    wall_fixture fixture(1280, 720);
    fixture.apply(R"({"type": "post_pinned", "session_id": 1, "seq": 18, "at": 1795972500000, "post_id": 11, "unpinned_post_id": 0})");
    fixture.frame();
    theme const look = test_theme();
    auto const* pinned = fixture.card(11);
    REQUIRE(pinned != nullptr);
    CHECK(pinned->pinned);
    CHECK(pinned->where.y == fixture.wall->layout().wall.y);
    CHECK(count_near(fixture, pinned->where, look.pinned_background, 2) > pinned->where.w * pinned->where.h / 2);
    // The other cards scroll below it, never over it.
    for (auto const& one : fixture.wall->last_report().cards)
        if (!one.pinned)
            CHECK(one.where.y >= pinned->where.bottom());
}

TEST_CASE("blank mode shows the session and the agenda but no cards, and the overlay covers the wall")
{
    wall_fixture fixture(1280, 720);
    fixture.apply(R"({"type": "wall_mode_changed", "session_id": 1, "seq": 18, "at": 1795972500000, "wall_mode": "blank"})");
    fixture.frame();
    CHECK(fixture.wall->last_report().cards.empty());
    CHECK(fixture.wall->last_report().agenda_title.w > 0);

    fixture.apply(R"({"type": "wall_mode_changed", "session_id": 1, "seq": 19, "at": 1795972500000, "wall_mode": "live"})");
    fixture.apply(R"({"type": "overlay_changed", "session_id": 1, "seq": 20, "at": 1795972500000, "overlay": "Receso"})");
    fixture.frame();
    theme const look = test_theme();
    rect const middle{fixture.wall->layout().overlay.x + fixture.wall->layout().overlay.w / 2 - 2,
                      fixture.wall->layout().height / 2 - 2, 4, 4};
    // The overlay's box is dark and opaque enough over the white cards.
    CHECK(count_near(fixture, middle, look.card_background, 40) == 0);
    CHECK(fixture.card(13) != nullptr);
}

TEST_CASE("the waiting screen before a session opens names it and its start time")
{
    wall_fixture fixture(1280, 720);
    fixture.apply(R"({"type": "snapshot", "session_id": 2, "seq": 1,
      "session": {"id": 2, "title": "Pleno de diciembre", "place": "", "starts_at": 1796576400000, "state": "scheduled",
                  "agenda": [], "current_item_id": 0, "wall_mode": "live", "overlay": "", "pinned_post_id": 0,
                  "opened_at": 0, "closed_at": 0}, "posts": []})");
    fixture.frame();
    auto const& report = fixture.wall->last_report();
    CHECK(report.cards.empty());
    CHECK(report.qr.w > 0);  // citizens can already open the page
    // The header, the footer's two lines, and the waiting texts in the middle.
    int in_the_middle = 0;
    for (auto const& text : report.texts)
        if (text.y > fixture.wall->layout().header.bottom() && text.bottom() < fixture.wall->layout().footer.y)
            ++in_the_middle;
    CHECK(in_the_middle >= 4);
}

TEST_CASE("the frame matches the golden picture within a tolerance")
{
    wall_fixture fixture(1280, 720);
    fixture.frame();
    auto const golden = golden_folder / "wall_1280x720.png";
    char const* update = std::getenv("PLENO_UPDATE_GOLDENS");
    if (update != nullptr && std::string(update) == "1") {
        std::filesystem::create_directories(golden_folder);
        REQUIRE(IMG_SavePNG(fixture.target.get(), golden.string().c_str()) == 0);
        MESSAGE("wrote " << golden.string());
        return;
    }
    surface_handle loaded{IMG_Load(golden.string().c_str())};
    INFO("golden picture " << golden.string() << " (make it with PLENO_UPDATE_GOLDENS=1)");
    REQUIRE(loaded);
    surface_handle expected{SDL_ConvertSurfaceFormat(loaded.get(), SDL_PIXELFORMAT_ARGB8888, 0)};
    REQUIRE(expected);
    REQUIRE(expected->w == fixture.target->w);
    REQUIRE(expected->h == fixture.target->h);

    // Anti-aliasing may differ by a few levels between FreeType builds; a moved or missing thing differs by far more.
    constexpr int channel_tolerance = 48;
    int different = 0;
    for (int y = 0; y < expected->h; ++y) {
        auto const* row = static_cast<std::uint8_t const*>(expected->pixels) + static_cast<std::ptrdiff_t>(y) * expected->pitch;
        for (int x = 0; x < expected->w; ++x) {
            std::uint32_t value = 0;
            std::memcpy(&value, row + static_cast<std::ptrdiff_t>(x) * 4, 4);
            colour want;
            SDL_GetRGBA(value, expected->format, &want.r, &want.g, &want.b, &want.a);
            if (distance(fixture.pixel(x, y), want) > channel_tolerance)
                ++different;
        }
    }
    // At most 0.1% of the pixels: a changed word or a card one line off is far more.
    CHECK(different <= expected->w * expected->h / 1000);
}

TEST_CASE("at every supported resolution nothing is drawn outside the screen and no card outside the wall")
{
    struct size {
        int width, height;
    };
    for (auto const screen : {size{1920, 1080}, size{1280, 720}, size{1366, 768}, size{1024, 768}, size{3840, 2160}}) {
        CAPTURE(screen.width);
        CAPTURE(screen.height);
        wall_fixture fixture(screen.width, screen.height);
        fixture.apply(R"({"type": "post_pinned", "session_id": 1, "seq": 18, "at": 1795972500000, "post_id": 11, "unpinned_post_id": 0})");
        fixture.frame();
        auto const& report = fixture.wall->last_report();
        rect const whole{0, 0, screen.width, screen.height};
        rect const wall = fixture.wall->layout().wall;
        CHECK(report.cards.size() >= 2);
        for (auto const& card : report.cards) {
            CAPTURE(card.post_id);
            CHECK(wall.contains(card.where));
        }
        for (auto const& text : report.texts)
            CHECK(whole.contains(text));
        CHECK(whole.contains(report.qr));
        CHECK(fixture.wall->layout().footer.contains(report.qr));
        CHECK(fixture.wall->layout().agenda.contains(report.agenda_title));
        // The footer's texts sit beside the QR code, not on it.
        for (auto const& text : report.texts)
            CHECK_FALSE(text.overlaps(report.qr));
    }
}

TEST_CASE("a window resize drops the cards painted for the old width")
{
    wall_fixture fixture(1280, 720);
    fixture.frame();
    REQUIRE(fixture.wall->cached_cards() == 3);
    int const old_width = fixture.wall->layout().wall.w;
    fixture.wall->resize(1024, 720);
    CHECK(fixture.wall->cached_cards() == 0);
    fixture.frame();
    REQUIRE(!fixture.wall->last_report().cards.empty());
    CHECK(fixture.wall->last_report().cards.front().where.w == fixture.wall->layout().wall.w);
    CHECK(fixture.wall->layout().wall.w != old_width);
}

TEST_CASE("characters the main font lacks are drawn with the fallback font, never dropped")
{
    use_headless_sdl();
    sdl_libraries libraries;
    text_renderer text(test_theme(), 720);
    auto const runs = text.runs_of(font_role::body, font_weight::regular, "Gracias 👍🏽 por todo");
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].first == 0);
    CHECK(runs[1].first == 1);  // Symbola
    CHECK(runs[1].second == "👍🏽");  // the skin tone stays with its emoji
    CHECK(runs[2].first == 0);
    CHECK(text.text_width(font_role::body, "👍") > 0);
    auto const with = text.render(font_role::body, "Gracias 👍", colour{0, 0, 0, 255});
    auto const without = text.render(font_role::body, "Gracias ", colour{0, 0, 0, 255});
    REQUIRE(with.surface);
    REQUIRE(without.surface);
    CHECK(with.surface->w > without.surface->w + text.pixel_size(font_role::body) / 2);
    // Accents of Spanish, Catalan and French are all in the main font.
    CHECK(text.runs_of(font_role::body, font_weight::regular, "àèéíïòóúüç·ñ ÀÉÈÍÏÓÒÚÜÇÑ l·l œ æ ê â î ô û ë ÿ").size() == 1);
}

namespace {

// The pixels of a texture, copied onto a surface by a software renderer.
std::vector<std::uint32_t> texture_pixels(SDL_Renderer& sdl, SDL_Surface& onto, SDL_Texture* texture, int width, int height)
{
    SDL_FillRect(&onto, nullptr, 0);
    SDL_Rect const where{0, 0, width, height};
    SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_NONE);
    SDL_RenderCopy(&sdl, texture, nullptr, &where);
    SDL_RenderFlush(&sdl);
    std::vector<std::uint32_t> pixels;
    for (int y = 0; y < height; ++y) {
        auto const* row = static_cast<std::uint8_t const*>(onto.pixels) + static_cast<std::ptrdiff_t>(y) * onto.pitch;
        for (int x = 0; x < width; ++x) {
            std::uint32_t value = 0;
            std::memcpy(&value, row + static_cast<std::ptrdiff_t>(x) * 4, 4);
            pixels.push_back(value);
        }
    }
    return pixels;
}

// A software renderer on a 1280x720 surface, and the fonts a card cache paints with.
struct card_fixture {
    card_fixture() : libraries(wall_fixture::make_libraries()), target(make_argb_surface(1280, 720))
    {
        REQUIRE(target);
        sdl.reset(SDL_CreateSoftwareRenderer(target.get()));
        REQUIRE(sdl);
    }
    std::unique_ptr<sdl_libraries> libraries;
    surface_handle target;
    renderer_handle sdl;
    theme look = test_theme();
    text_renderer text{look, 720};
};

}  // namespace

TEST_CASE("a new card reuses the texture of an evicted card of its size, with exactly its own pixels")
{
    card_fixture fixture;
    auto& sdl = fixture.sdl;
    auto& target = fixture.target;
    auto const& look = fixture.look;
    auto& text = fixture.text;
    // Three posts of the same shape (same author length, same text length): cards of one size.
    auto const post = [](std::int64_t id, std::string author, std::string words) {
        wall_post made;
        made.id = id;
        made.author = std::move(author);
        made.text = std::move(words);
        made.approved_at = frame_time;
        return made;
    };
    wall_post const first = post(1, "Ana", "La farola de la calle del Sol lleva tres semanas apagada.");
    wall_post const second = post(2, "Tom", "La fuente de la plaza Mayor lleva dos semanas sin agua ya.");
    wall_post const third = post(3, "Eva", "¿Quién arregla el banco roto del parque de la Alameda? 👍");
    int const width = 800;

    // A budget of one card: each new card evicts the one before.
    card_cache cache(*sdl, text, look, 1);
    auto const& first_layout = cache.layout_for(first, width, nullptr);
    auto const& second_layout = cache.layout_for(second, width, nullptr);
    auto const& third_layout = cache.layout_for(third, width, nullptr);
    REQUIRE(first_layout.height == second_layout.height);
    REQUIRE(first_layout.height == third_layout.height);
    auto const key = [&](wall_post const& which) { return card_key{which.id, width, 0, card_style::normal}; };

    REQUIRE(cache.texture_for(first_layout, key(first)) != nullptr);
    REQUIRE(cache.texture_for(second_layout, key(second)) != nullptr);  // the first one's texture is now a spare
    CHECK(cache.texture_count() == 1);
    CHECK(cache.spare_count() == 1);
    CHECK(cache.textures_reused() == 0);
    SDL_Texture* const reused = cache.texture_for(third_layout, key(third));
    REQUIRE(reused != nullptr);
    CHECK(cache.textures_reused() == 1);
    CHECK(cache.spare_count() == 1);  // the second card's texture took its place
    auto const drawn = texture_pixels(*sdl, *target, reused, width, third_layout.height);

    // The same card made by a cache with no spares: the very same pixels, nothing of the first card left.
    card_cache fresh(*sdl, text, look);
    SDL_Texture* const made = fresh.texture_for(fresh.layout_for(third, width, nullptr), key(third));
    REQUIRE(made != nullptr);
    CHECK(fresh.textures_reused() == 0);
    CHECK(drawn == texture_pixels(*sdl, *target, made, width, third_layout.height));
    auto const first_card = texture_pixels(*sdl, *target, fresh.texture_for(fresh.layout_for(first, width, nullptr), key(first)),
                                           width, first_layout.height);
    CHECK(drawn != first_card);
}

TEST_CASE("spare textures are bounded and dropped with the cache")
{
    card_fixture fixture;
    card_cache cache(*fixture.sdl, fixture.text, fixture.look, 1);
    for (std::int64_t id = 1; id <= 20; ++id) {
        wall_post made;
        made.id = id;
        made.author = "Vecina " + std::to_string(id);
        // Ever longer texts: cards of growing heights, none reusable by the next.
        made.text = std::string(static_cast<std::size_t>(id) * 25, 'a');
        auto const& layout = cache.layout_for(made, 700, nullptr);
        REQUIRE(cache.texture_for(layout, card_key{id, 700, 0, card_style::normal}) != nullptr);
        CHECK(cache.spare_count() <= card_cache::max_spares);
    }
    CHECK(cache.spare_count() == card_cache::max_spares);
    cache.clear();
    CHECK(cache.spare_count() == 0);
    CHECK(cache.texture_count() == 0);
}

#pragma once
// Draws one frame of the wall from the model, the screen layout, the
// scroller's card positions, the link state and the clock. Text is never
// rendered per frame: cards come from the card cache (painted once per post
// and width), every other text from the texture cache (rendered once while it
// stays on screen). It counts what it renders, so tests and the benchmark can
// check that a still frame renders no text, and it reports where it drew the
// agenda title, each card and the QR code.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "card_cache.hpp"
#include "connection.hpp"
#include "layout.hpp"
#include "qr_code.hpp"
#include "scroller.hpp"
#include "sdl_handles.hpp"
#include "text_renderer.hpp"
#include "texture_cache.hpp"
#include "theme.hpp"
#include "wall_model.hpp"

namespace pleno::display {

// Everything a frame shows besides the model.
struct frame_input {
    wall_model const* model = nullptr;
    std::vector<card_position> const* cards = nullptr;  // from the scroller, relative to scroll_area()
    link_state link = link_state::online;
    std::chrono::steady_clock::duration offline_for{};   // how long the link has been down
    std::string refusal;                                 // why the server refused the display; empty if it did not
    millis now = 0;                                      // the wall clock: HH:MM and the waiting screen
    bool scroll_paused = false;                          // Space
    bool quit_confirm = false;                           // Esc was pressed once
    bool debug = false;                                  // D
    double frames_per_second = 0;
    double frame_milliseconds = 0;
};

// Where the last frame drew things, for tests (and --layout-report).
struct layout_report {
    struct card {
        std::int64_t post_id = 0;
        rect where;  // the visible part, inside the wall
        bool pinned = false;
    };
    int width = 0;
    int height = 0;
    rect wall;
    rect agenda_title;           // the union of the current item's title lines; empty when none drawn
    std::vector<card> cards;
    rect qr;                     // the QR code including its quiet zone; empty when none drawn
    int qr_modules = 0;          // modules per side, without the quiet zone
    int qr_module_pixels = 0;
    int qr_quiet_modules = 0;
    std::vector<rect> texts;     // every text drawn this frame (to check that nothing leaves the screen)

    nlohmann::json to_json() const;
};

class renderer {
public:
    // Throws std::runtime_error when the theme's fonts cannot be opened.
    renderer(SDL_Renderer& target, theme look, int width, int height);

    // The output size changed: re-layout, reopen the fonts at the new sizes and drop every cached texture.
    void resize(int width, int height);
    // The renderer lost its textures' contents (a device or render-target reset): make them all again.
    void recreate_textures();
    // The address shown in the footer and encoded in the QR code.
    void set_public_url(std::string url);

    screen_layout const& layout() const { return layout_; }
    text_renderer& text() { return text_; }
    theme const& look() const { return look_; }

    // The cards the scroller moves: the shown posts newest first, without the pinned one.
    std::vector<scroll_item> scroll_items(wall_model const& model);
    // Where the cards scroll: the wall below the pinned card, if any.
    rect scroll_area(wall_model const& model);

    void draw(frame_input const& input);

    std::uint64_t text_renders_total() const { return text_.renders_total() - debug_renders_; }
    std::uint64_t last_frame_text_renders() const { return last_frame_renders_; }
    std::size_t cached_cards() const { return cards_.texture_count(); }
    std::int64_t cached_card_pixels() const { return cards_.texture_pixels(); }
    std::uint64_t cards_painted() const { return cards_.cards_painted(); }
    std::uint64_t card_textures_reused() const { return cards_.textures_reused(); }
    std::size_t cached_texts() const { return textures_.size(); }
    layout_report const& last_report() const { return report_; }

    // The line about the link the wall shows for `input` (empty: none): after a
    // few seconds offline, or a refusal.
    std::string status_message(frame_input const& input) const;

private:
    enum class align { left, centre, right };

    // Draws one line whose baseline is at `baseline`; x is its left, centre or right.
    rect draw_text(font_role role, font_weight weight, std::string_view line, colour tint, int x, int baseline,
                   align where = align::left);
    void fill(rect area, colour tint);
    void fill_rounded(rect area, int radius, colour tint);
    // A pill: rounded box with one line of text; returns its rect. x is its right edge when align::right.
    rect draw_pill(font_role role, std::string_view line, colour background, colour foreground, int x, int centre_y,
                   align where, std::optional<colour> dot = std::nullopt);
    // The baseline that centres a line's capitals in a band.
    int centred_baseline(font_role role, int top, int height) const;
    int cap_height(font_role role) const;
    std::string fit(font_role role, font_weight weight, std::string const& text, int width);
    std::vector<std::string> wrap(font_role role, std::string_view text, int width);

    std::string static_signature(frame_input const& input, wall_model const& model);
    void draw_layer(frame_input const& input, session_info const* session);
    void draw_header(frame_input const& input, session_info const* session);
    void draw_agenda(session_info const& session, rect area);
    void draw_cards(frame_input const& input);
    void draw_empty_wall(session_info const& session);
    void draw_footer(frame_input const& input);
    void draw_waiting(frame_input const& input, session_info const* session);
    void draw_overlay(std::string const& text);
    void draw_status(frame_input const& input);
    void draw_toast(std::string const& text);
    void refresh_debug_lines(frame_input const& input);
    void draw_debug();
    void draw_qr();
    void load_logo();
    void build_qr();

    SDL_Renderer& target_;
    theme look_;
    screen_layout layout_;
    text_renderer text_;
    texture_cache textures_;
    card_cache cards_;
    texture_handle logo_;
    int logo_width_ = 0;
    int logo_height_ = 0;
    std::string public_url_;
    std::optional<qr_matrix> qr_;
    texture_handle qr_texture_;
    bool fade_entering_cards_ = true;
    std::uint64_t model_version_seen_ = 0;
    bool model_seen_ = false;
    // The layer: header, agenda, footer and status, redrawn only when its signature changes.
    texture_handle layer_;
    bool layer_ready_ = false;
    std::string layer_signature_;
    layout_report layer_report_;
    std::string session_signature_;
    std::uint64_t signature_model_version_ = 0;
    bool signature_model_seen_ = false;
    std::vector<std::string> debug_lines_;
    millis debug_refreshed_at_ = 0;
    layout_report report_;
    std::uint64_t last_frame_renders_ = 0;
    std::uint64_t debug_renders_ = 0;
};

}  // namespace pleno::display

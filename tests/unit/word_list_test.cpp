#include "domain/word_list.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using pleno::domain::word_list;
using strings = std::vector<std::string>;

TEST_CASE("a listed word matches regardless of case and accents")
{
    word_list const list{strings{"idiota", "imbécil"}};
    CHECK(list.matches("IDIOTA") == strings{"idiota"});
    CHECK(list.matches("eres un idíota") == strings{"idiota"});
    CHECK(list.matches("Idiota!") == strings{"idiota"});
    CHECK(list.matches("IMBECIL") == strings{"imbécil"});
    CHECK(list.matches("imbécil") == strings{"imbécil"});
    CHECK(list.matches("una idea").empty());
}

TEST_CASE("a listed word matches whole words only, not parts of words")
{
    word_list const list{strings{"class"}};
    CHECK(list.matches("a class act") == strings{"class"});
    CHECK(list.matches("Class.") == strings{"class"});
    CHECK(list.matches("a classic").empty());
    CHECK(list.matches("subclass").empty());
    CHECK(list.matches("classes").empty());
}

TEST_CASE("a listed word ending in * matches every word that begins with it")
{
    word_list const list{strings{"class*"}};
    CHECK(list.matches("a classic") == strings{"class*"});
    CHECK(list.matches("two CLASSES") == strings{"class*"});
    CHECK(list.matches("class") == strings{"class*"});
    CHECK(list.matches("subclass").empty());
    CHECK(list.matches("clas").empty());
}

TEST_CASE("a multi-word entry matches its words only when they are consecutive")
{
    word_list const list{strings{"hijo de"}};
    CHECK(list.matches("eres un hijo de...") == strings{"hijo de"});
    CHECK(list.matches("HIJO   DE") == strings{"hijo de"});
    CHECK(list.matches("hijo\nde") == strings{"hijo de"});
    CHECK(list.matches("hijo.de") == strings{"hijo de"});
    CHECK(list.matches("hijo mío de").empty());
    CHECK(list.matches("de hijo").empty());
    CHECK(list.matches("hijode").empty());
    CHECK(list.matches("hijo").empty());
    CHECK(list.matches("hijos de").empty());
}

TEST_CASE("a multi-word entry ending in * takes its last word as a prefix")
{
    word_list const list{strings{"hijo de p*"}};
    CHECK(list.matches("hijo de perra") == strings{"hijo de p*"});
    CHECK(list.matches("hijo de p") == strings{"hijo de p*"});
    CHECK(list.matches("hijo del perro").empty());
}

TEST_CASE("Spanish, Catalan and French words match in any case and with or without accents")
{
    word_list const list{strings{"gilipollas", "coño", "collons", "imbècil", "connard", "enculé", "salopard*"}};
    CHECK(list.matches("¡Qué GILIPOLLAS!") == strings{"gilipollas"});
    CHECK(list.matches("COÑO, ya basta") == strings{"coño"});
    CHECK(list.matches("Quins Collons!") == strings{"collons"});
    CHECK(list.matches("l'imbècil del regidor") == strings{"imbècil"});
    CHECK(list.matches("L'IMBECIL") == strings{"imbècil"});
    CHECK(list.matches("Quel connard.") == strings{"connard"});
    CHECK(list.matches("ENCULE") == strings{"enculé"});
    CHECK(list.matches("quels salopards") == strings{"salopard*"});
    CHECK(list.matches("El pressupost de l'any vinent").empty());
    CHECK(list.matches("La connaissance du dossier").empty());
}

TEST_CASE("letters of other scripts are folded and matched like Latin ones")
{
    word_list const list{strings{"дурак"}};
    CHECK(list.matches("ДУРАК!") == strings{"дурак"});
    CHECK(list.matches("дураки").empty());
}

TEST_CASE("anything that is not a letter or digit separates words")
{
    word_list const list{strings{"idiota"}};
    CHECK(list.matches("🤬idiota🤬") == strings{"idiota"});
    CHECK(list.matches("idiota_") == strings{"idiota"});
    CHECK(list.matches("«idiota»") == strings{"idiota"});
    CHECK(list.matches("idiota123").empty());
    CHECK(list.matches("2idiota").empty());
}

TEST_CASE("an empty list, or one of blank entries, matches nothing")
{
    word_list const none;
    CHECK(none.empty());
    CHECK(none.matches("idiota").empty());

    word_list const from_empty_vector{strings{}};
    CHECK(from_empty_vector.empty());
    CHECK(from_empty_vector.matches("idiota").empty());

    word_list const blanks{strings{"", "   ", "*", "!!"}};
    CHECK(blanks.empty());
    CHECK(blanks.matches("anything at all").empty());
}

TEST_CASE("each matching listed word is reported once, in list order")
{
    word_list const list{strings{"tonto", "idiota", "burro"}};
    CHECK_FALSE(list.empty());
    CHECK(list.matches("idiota, tonto y tonto; IDIOTA") == strings{"tonto", "idiota"});
    CHECK(list.matches("burro, idiota") == strings{"idiota", "burro"});
    CHECK(list.matches("nada que ver").empty());

    word_list const repeated{strings{"idiota", "IDIÓTA"}};
    CHECK(repeated.matches("idiota") == strings{"idiota"});
}

TEST_CASE("a text that is not valid UTF-8 matches nothing")
{
    word_list const list{strings{"idiota"}};
    CHECK(list.matches("idiota \xff").empty());
}

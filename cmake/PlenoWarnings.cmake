# One place decides the warning flags for every target of the project.
# -Wnull-dereference is left out: with optimisation GCC 12 reports false
# positives inside Asio and the standard library (vector::insert).
function(pleno_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  if(PLENO_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

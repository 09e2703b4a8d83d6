# The layers of docs/architecture.md: each folder of src/ and the folders it may use directly. The build
# links each folder's library to these only, and scripts/check_layers.cmake fails the build when a file
# includes a header of a folder that is neither listed here nor reachable through one that is (an upward or
# sideways include). app/ is the wiring and may use everything.
set(PARLEY_LAYERS core net llm auth mcp store blob settings stt keys google chat api)
set(PARLEY_LAYER_USES_core "")
set(PARLEY_LAYER_USES_net core)
set(PARLEY_LAYER_USES_llm net core)
set(PARLEY_LAYER_USES_auth core)
set(PARLEY_LAYER_USES_mcp net core)
set(PARLEY_LAYER_USES_store core)
set(PARLEY_LAYER_USES_blob net core)
set(PARLEY_LAYER_USES_settings store core)
set(PARLEY_LAYER_USES_stt net core)
set(PARLEY_LAYER_USES_keys store core)
set(PARLEY_LAYER_USES_google mcp blob net core)
set(PARLEY_LAYER_USES_chat llm mcp store blob core)
set(PARLEY_LAYER_USES_api chat settings blob stt keys google auth llm mcp core)

# The folders a layer may include: itself, what it uses, and what those use, transitively.
function(parley_layer_reach layer out)
  set(reach ${layer})
  set(queue ${PARLEY_LAYER_USES_${layer}})
  while(queue)
    list(POP_FRONT queue next)
    if(NOT next IN_LIST reach)
      list(APPEND reach ${next})
      list(APPEND queue ${PARLEY_LAYER_USES_${next}})
    endif()
  endwhile()
  set(${out} ${reach} PARENT_SCOPE)
endfunction()

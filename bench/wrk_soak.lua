-- wrk script for the soak test: a steady mix of what visitors ask for, cycling through
-- the pages and feeds in a file, and one registration in every 25 requests (built by
-- wrk_register.lua, loaded from beside this file).
-- Arguments after --: the CSRF token, the session cookie, the forum id, the form's path,
-- the paths file.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_register.lua")
local register = request
local register_init = init

function init(args)
  register_init(args)
  paths = {}
  for line in io.lines(args[5]) do
    paths[#paths + 1] = line
  end
  visits = 0
end

function request()
  visits = visits + 1
  if visits % 25 == 0 then
    return register()
  end
  return wrk.format("GET", paths[visits % #paths + 1])
end

-- wrk script: the check-in desk's scans, cycling through real badge codes (the first
-- round checks people in, later rounds are told they already are).
-- Arguments after --: the CSRF token, the signed-in session cookie, a file of codes.
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_id", thread_number)
end

function init(args)
  token = args[1]
  cookie = args[2]
  codes = {}
  for line in io.lines(args[3]) do
    codes[#codes + 1] = line
  end
  -- Each thread starts at its own place in the list.
  index = math.floor(#codes * (thread_id - 1) / 8)
end

function request()
  index = index % #codes + 1
  -- The path is the one of the URL wrk was given (the event's desk).
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = cookie,
  }, "csrf_token=" .. token .. "&code=" .. codes[index])
end

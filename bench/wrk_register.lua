-- wrk script: every request registers a new attendee (unique email) for one forum.
-- Arguments after --: the CSRF token, the session cookie, the forum id, the form's path,
-- and optionally more form fields to send (answers to the event's questions: "&q1=yes…").
local counter = 0
local thread_number = 0
local threads = {}

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_id", thread_number)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  cookie = args[2]
  forum = args[3]
  path = args[4]
  extra = args[5] or ""
end

function request()
  counter = counter + 1
  local email = "load-" .. thread_id .. "-" .. counter .. "-" .. math.random(1000000) .. "@bench.example.cn"
  local body = "csrf_token=" .. token
    .. "&full_name=%E5%8E%8B%E5%8A%9B%E6%B5%8B%E8%AF%95"
    .. "&email=" .. email
    .. "&organisation=%E4%B8%9C%E5%8D%97%E5%A4%A7%E5%AD%A6"
    .. "&category=delegate&consent=y&forums=" .. forum
    .. extra
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end

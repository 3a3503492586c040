-- wrk script: every request registers a new attendee (unique email) for one forum through
-- the REST API. Arguments after --: the token, the forum's slug.
local counter = 0
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_id", thread_number)
end

function init(args)
  token = args[1]
  forum = args[2]
end

function request()
  counter = counter + 1
  local email = "api-" .. thread_id .. "-" .. counter .. "-" .. math.random(1000000) .. "@bench.example.cn"
  local body = '{"full_name":"压力测试","email":"' .. email .. '","organisation":"东南大学",'
    .. '"consent":true,"forums":["' .. forum .. '"]}'
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

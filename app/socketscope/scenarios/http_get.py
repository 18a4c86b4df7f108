"""curl fetches a page from a 20-line Python web server: HTTP is bytes on a TCP connection."""

ID = "http-get"
GROUP = "advanced"
ORDER = 50
TITLE = {
    "en": "HTTP GET: curl and a 20-line web server",
    "ko": "HTTP GET: curl과 20줄짜리 웹 서버",
}
SUMMARY = {
    "en": "A real curl fetches a page from a Python server of 20 lines. HTTP is nothing but "
    "text on a TCP connection: the request curl writes and the response the server sends are "
    "the bytes on the diagram.",
    "ko": "진짜 curl이 20줄짜리 파이썬 서버에서 페이지를 가져옵니다. HTTP는 TCP 연결 위의 "
    "텍스트일 뿐입니다: curl이 쓰는 요청과 서버가 보내는 응답이 다이어그램의 바이트입니다.",
}
NOTICE = {
    "en": [
        "The server's recv() gets curl's request: 'GET / HTTP/1.1', then header lines, then an "
        "empty line (\\r\\n\\r\\n).",
        "The response is a status line, headers, an empty line, then the page: one sendall().",
        "HTTP/1.0: the server's close() marks the end of the page.",
        "curl is a C program: its own calls are shown when this build has the C tracer; without "
        "it, curl runs untraced and the server's side shows every byte.",
    ],
    "ko": [
        "서버의 recv()가 curl의 요청을 받습니다: 'GET / HTTP/1.1', 헤더 줄들, 그리고 빈 줄"
        "(\\r\\n\\r\\n).",
        "응답은 상태 줄, 헤더, 빈 줄, 그리고 페이지입니다: sendall() 한 번.",
        "HTTP/1.0: 서버의 close()가 페이지의 끝을 알립니다.",
        "curl은 C 프로그램입니다: C 추적기가 있는 빌드에서는 curl의 호출도 보입니다. 없으면 "
        "curl은 추적 없이 실행되고, 서버 쪽에서 모든 바이트가 보입니다.",
    ],
}
# the programs of the lesson, in start order; {port} is the run's own port
PROGRAMS = [
    "python3 http_server.py {port}",
    "curl -s --http1.1 http://127.0.0.1:{port}/",
]

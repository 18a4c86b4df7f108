"""The course notes' server and client, in C: the same calls as notes-tcp, made by real C
programs (scenarios/c/notes_server.c and notes_client.c), compiled on first use with the system's
cc and traced with ptrace (engine/programs/ctrace.py). Its actors are programs, not functions."""

ID = "notes-c"
GROUP = "tcp-basics"
ORDER = 0
TITLE = {
    "en": "The notes' programs (C)",
    "ko": "노트의 프로그램 (C)",
}
SUMMARY = {
    "en": (
        "The course notes' TCP server and client as C programs, compiled with cc -g the first "
        "time they run and traced without changing a line: the server's socket(), bind(), "
        "listen(), accept(), read() and close(), the client's socket(), connect(), write() and "
        "close(). Every call is a real system call of a real process; the code panel shows the "
        "C line that made it. The client starts once the server waits in accept()."
    ),
    "ko": (
        "강의 노트의 TCP 서버와 클라이언트를 C 프로그램으로 실행합니다. 처음 실행할 때 cc -g로 "
        "컴파일하고, 코드를 한 줄도 바꾸지 않고 추적합니다: 서버의 socket(), bind(), listen(), "
        "accept(), read(), close()와 클라이언트의 socket(), connect(), write(), close()입니다. "
        "모든 호출은 실제 프로세스의 실제 시스템 콜이며, 코드 창에 그 호출을 한 C 소스 줄이 "
        "보입니다. 클라이언트는 서버가 accept()에서 기다리기 시작하면 시작합니다."
    ),
}
NOTICE = {
    "en": [
        "The server binds INADDR_ANY, as the notes do; SocketScope makes that bind() on "
        "127.0.0.1 instead so that the run stays on this machine, and says so.",
        "Each program is its own process: its first socket is fd 3 in both.",
        "printf() writes to the console panel: write() on fd 1 is not a socket call, so it is "
        "not on the diagram.",
    ],
    "ko": [
        "서버는 노트처럼 INADDR_ANY에 bind()합니다. SocketScope는 실행이 이 컴퓨터 안에 "
        "머물도록 그 bind()를 127.0.0.1에 대신 하고, 그렇게 했다고 알려 줍니다.",
        "두 프로그램은 각자의 프로세스이므로 첫 소켓이 둘 다 fd 3입니다.",
        "printf()는 콘솔 창에 씁니다. fd 1에 대한 write()는 소켓 호출이 아니므로 다이어그램에 "
        "나오지 않습니다.",
    ],
}

# the programs of the lesson, in start order (each starts once the one before it is ready);
# {port} is the run's own port; a .c program is compiled with cc -g on first use
PROGRAMS_FOLDER = "c"
PROGRAMS = [
    "notes_server.c {port}",
    "notes_client.c {port}",
]
